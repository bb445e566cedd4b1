namespace ImbalanceFair.Core.Data;

/// <summary>A dataset file that cannot be read as described: the message names the file and the problem.</summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException()
    {
    }

    public DataFormatException(string message)
        : base(message)
    {
    }

    public DataFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public static DataFormatException For(string file, string problem) => new($"{file}: {problem}");
}
