using System.Globalization;
using System.Text;
using ImbalanceFair.Torch;
using ImbalanceFair.Torch.IO;

namespace ImbalanceFair.Bench;

/// <summary>The options every benchmark against a reference implementation takes, and the defaults they share.</summary>
internal abstract class BenchOptions(string reference, string csv)
{
    public int Threads { get; set; } = Environment.ProcessorCount;
    public int Rounds { get; set; } = 5;
    public string Python { get; set; } = Environment.GetEnvironmentVariable("IMBFAIR_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";
    public string Reference { get; set; } = reference;
    public string Csv { get; set; } = csv;

    /// <summary>
    /// Reads a benchmark's command line into a new <typeparamref name="T"/>: the shared options here, the rest by
    /// <paramref name="own"/>, which returns false for an option it does not know.
    /// </summary>
    public static T Parse<T>(string[] args, string help, Func<T, OptionReader, bool> own)
        where T : BenchOptions, new()
    {
        var o = new T();
        var a = new OptionReader(args, help);
        while (a.Next())
        {
            if (!o.ReadShared(a) && !o.ReadMore(a) && !own(o, a))
            {
                throw a.Unknown();
            }
        }

        return o;
    }

    /// <summary>Options a family of benchmarks shares beyond these; false when the current one is not among them.</summary>
    protected virtual bool ReadMore(OptionReader a) => false;

    private bool ReadShared(OptionReader a)
    {
        switch (a.Name)
        {
            case "--threads": Threads = a.Whole(1); return true;
            case "--rounds": Rounds = a.Whole(1); return true;
            case "--python": Python = a.Value(); return true;
            case "--reference": Reference = a.Value(); return true;
            case "--csv": Csv = a.Value(); return true;
            default: return false;
        }
    }

    /// <summary>libtorch's intra-op threads, and OpenBLAS's (0: leave its default), for this side of a benchmark.</summary>
    public static void SetThreads(int threads, int blasThreads)
    {
        torch.set_num_threads(threads);
        if (blasThreads > 0 && !torch.set_blas_num_threads(blasThreads))
        {
            Console.Error.WriteLine("note: the BLAS is not OpenBLAS; --blas-threads ignored");
        }
    }

    /// <summary>Writes the results file whole or not at all (the project's one atomic write).</summary>
    public void WriteCsv(string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(Csv))!);
        AtomicFile.WriteText(Csv, text);
    }

    /// <summary>
    /// The results file of alternating rounds: one row per side and round, imbfair then pytorch, each
    /// <c>run_utc,benchmark,side,round,</c> then <paramref name="settings"/> (this run's options) and the round's cells.
    /// </summary>
    public void WriteRounds<T>(string benchmark, string header, string settings, IReadOnlyList<T> ours, IReadOnlyList<T> theirs, Func<T, string> cells)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(theirs);
        ArgumentNullException.ThrowIfNull(cells);
        var when = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var sb = new StringBuilder("run_utc,benchmark,side,round,").Append(header).Append('\n');
        for (var r = 0; r < ours.Count; r++)
        {
            foreach (var (side, round) in new[] { ("imbfair", ours[r]), ("pytorch", theirs[r]) })
            {
                sb.Append(CultureInfo.InvariantCulture, $"{when},{benchmark},{side},{r + 1},{settings},{cells(round)}\n");
            }
        }

        WriteCsv(sb.ToString());
    }
}
