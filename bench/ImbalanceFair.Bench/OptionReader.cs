using System.Globalization;

namespace ImbalanceFair.Bench;

/// <summary>
/// Walks a benchmark's command line: <see cref="Next"/> moves to the next option name, and the option's value is
/// read as that option wants it. Errors are <see cref="ArgumentException"/>s, which Program turns into usage errors.
/// </summary>
internal sealed class OptionReader(string[] args, string help)
{
    private int _i = -1;

    /// <summary>Prints the help and returns true when the command line asks for it.</summary>
    public static bool WantsHelp(string[] args, string help)
    {
        if (!args.Contains("--help") && !args.Contains("-h"))
        {
            return false;
        }

        Console.WriteLine(help);
        return true;
    }

    public string Name => args[_i];

    public bool Next() => ++_i < args.Length;

    public string Value() => _i + 1 < args.Length ? args[++_i] : throw new ArgumentException($"{args[_i]} needs a value");

    public int Whole(int min)
    {
        var name = Name;
        var text = Value();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new ArgumentException($"{name} needs a whole number >= {min}, not '{text}'");
    }

    public double Number()
    {
        var name = Name;
        var text = Value();
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)
            ? x
            : throw new ArgumentException($"{name} needs a number, not '{text}'");
    }

    public string OneOf(params string[] allowed)
    {
        var name = Name;
        var text = Value();
        return allowed.Contains(text)
            ? text
            : throw new ArgumentException($"{name} must be {string.Join(", ", allowed[..^1])} or {allowed[^1]}, not '{text}'");
    }

    public ArgumentException Unknown() => new($"unknown option '{Name}'\n{help}");
}
