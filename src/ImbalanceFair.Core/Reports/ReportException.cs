namespace ImbalanceFair.Core.Reports;

/// <summary>A report that cannot be made from what the user pointed at (no such folder, no finished runs): a usage error.</summary>
public sealed class ReportException : Exception
{
    public ReportException()
    {
    }

    public ReportException(string message)
        : base(message)
    {
    }

    public ReportException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
