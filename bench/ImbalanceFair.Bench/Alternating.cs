namespace ImbalanceFair.Bench;

/// <summary>
/// Timed rounds of two or more sides in one run, so that load from elsewhere on a shared machine hits every side
/// alike: each round runs every side once, and the side that starts rotates from round to round, so that no side
/// always runs right after the same other one.
/// </summary>
internal static class Alternating
{
    /// <summary>
    /// Runs <paramref name="rounds"/> rounds; <paramref name="sides"/>[s](round) times side s once. After each round
    /// <paramref name="afterRound"/> gets the round's index and results (in the order of the sides). Returns each
    /// side's results, one list per side.
    /// </summary>
    public static List<T>[] Rounds<T>(int rounds, IReadOnlyList<Func<int, T>> sides, Action<int, T[]>? afterRound = null)
    {
        var results = sides.Select(_ => new List<T>(rounds)).ToArray();
        for (var r = 0; r < rounds; r++)
        {
            var round = new T[sides.Count];
            for (var i = 0; i < sides.Count; i++)
            {
                var s = (r + i) % sides.Count;
                round[s] = sides[s](r);
            }

            for (var s = 0; s < sides.Count; s++)
            {
                results[s].Add(round[s]);
            }

            afterRound?.Invoke(r, round);
        }

        return results;
    }
}
