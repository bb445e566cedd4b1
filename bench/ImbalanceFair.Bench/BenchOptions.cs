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

    /// <summary>Writes the results file whole or not at all (a temporary name, then a rename).</summary>
    public void WriteCsv(string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(Csv))!);
        var tmp = Csv + ".tmp";
        File.WriteAllText(tmp, text);
        File.Move(tmp, Csv, overwrite: true);
    }
}
