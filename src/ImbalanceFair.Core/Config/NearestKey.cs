namespace ImbalanceFair.Core.Config;

/// <summary>"Did you mean ...?" for misspelt keys: the closest candidate by edit distance, if close enough.</summary>
public static class NearestKey
{
    public static string? Find(string key, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(key);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            var d = Distance(key.ToLowerInvariant(), c.ToLowerInvariant());
            if (d < bestDistance)
            {
                best = c;
                bestDistance = d;
            }
        }

        // Accept up to a third of the key's length in edits (at least 2): "ratoi" → "ratio", not "seed" → "name".
        return best is not null && bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    public static string Suggestion(string key, IEnumerable<string> candidates) =>
        Find(key, candidates) is { } near ? $" Did you mean '{near}'?" : string.Empty;

    /// <summary>Optimal string alignment distance (Levenshtein with adjacent transpositions).</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
