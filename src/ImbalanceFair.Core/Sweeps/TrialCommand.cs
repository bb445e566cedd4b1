namespace ImbalanceFair.Core.Sweeps;

/// <summary>
/// How to start this same imbfair as a child: the executable and the arguments before the command (for
/// <c>dotnet imbfair.dll</c> the dll's path; none for the native host).
/// </summary>
public sealed record TrialCommand(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>The command as one shell line, for scripts that run it later (Slurm).</summary>
    public string ShellPrefix => string.Join(' ', new[] { FileName }.Concat(Prefix).Select(ShellQuote.Quote));
}

public static class ShellQuote
{
    /// <summary>A word for a POSIX shell: as is when it is plainly safe, else in single quotes.</summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@%".Contains(c, StringComparison.Ordinal))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}
