namespace ImbalanceFair.Bench;

/// <summary>The options every benchmark against a reference implementation takes, and the defaults they share.</summary>
internal abstract class BenchOptions(string reference, string csv)
{
    public int Threads { get; set; } = Environment.ProcessorCount;
    public int Rounds { get; set; } = 5;
    public string Python { get; set; } = Environment.GetEnvironmentVariable("IMBFAIR_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";
    public string Reference { get; set; } = reference;
    public string Csv { get; set; } = csv;

    /// <summary>Reads the current option if it is one of these; false when it is the benchmark's own.</summary>
    public bool ReadShared(OptionReader a)
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
