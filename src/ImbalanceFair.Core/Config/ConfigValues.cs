using System.Globalization;

namespace ImbalanceFair.Core.Config;

/// <summary>Typed, range-checked reads of one key, with defaults: what every section's reader uses.</summary>
public static class ConfigValues
{
    public static string Choice(YamlObject y, string key, string fallback, IEnumerable<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(y);
        var names = allowed.ToList();
        var value = y.GetString(key) ?? fallback;
        return names.Contains(value) ? value
            : throw y.Error(key, $"'{value}' is not one of: {string.Join(", ", names)}.{NearestKey.Suggestion(value, names)}");
    }

    public static long Int(YamlObject y, string key, long fallback, long min, long max)
    {
        ArgumentNullException.ThrowIfNull(y);
        var v = y.GetInt(key) ?? fallback;
        return v >= min && v <= max ? v
            : throw y.Error(key, max == long.MaxValue ? $"must be at least {min}, not {v}" : $"must be between {min} and {max}, not {v}");
    }

    public static int Int32(YamlObject y, string key, int fallback, int min, int max) => (int)Int(y, key, fallback, min, max);

    public static double Num(YamlObject y, string key, double fallback, double min, double max, bool minExclusive = false, bool maxExclusive = false)
    {
        ArgumentNullException.ThrowIfNull(y);
        var v = y.GetDouble(key) ?? fallback;
        var ok = (minExclusive ? v > min : v >= min) && (maxExclusive ? v < max : v <= max);
        if (ok)
        {
            return v;
        }

        var low = min == double.MinValue ? null : $"{(minExclusive ? ">" : "≥")} {min.ToString(CultureInfo.InvariantCulture)}";
        var high = max == double.MaxValue ? null : $"{(maxExclusive ? "<" : "≤")} {max.ToString(CultureInfo.InvariantCulture)}";
        throw y.Error(key, $"must be {string.Join(" and ", new[] { low, high }.Where(s => s is not null))}, not {v.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>A path as written in the config file is relative to that file's folder; one from an override, to the current folder.</summary>
    public static string? Path(YamlObject y, string key)
    {
        ArgumentNullException.ThrowIfNull(y);
        var path = y.GetString(key);
        if (path is null || System.IO.Path.IsPathRooted(path) || y.Where(key).StartsWith("command-line", StringComparison.Ordinal))
        {
            return path;
        }

        return System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(y.File)) ?? ".", path));
    }
}
