using ImbalanceFair.Tests.Shared;
using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests;

/// <summary>
/// A scratch folder for sweep tests: sweep files over the shipped CI base config (configs/ci-shapes.yaml: procedural
/// shapes, seconds per run), their runs under <c>runs/</c>, and the trial files read back.
/// </summary>
public sealed class SweepTestDirectory : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("imbfair-sweep-");

    public string Path => _dir.FullName;

    public Dictionary<string, string> Env => new()
    {
        ["IMBFAIR_CACHE"] = System.IO.Path.Combine(Path, "cache"),
    };

    public static string BaseConfig => System.IO.Path.Combine(Repo.Root, "configs", "ci-shapes.yaml");

    /// <summary>Writes a sweep file named <paramref name="name"/>.yaml whose runs go to <c>&lt;dir&gt;/&lt;outputs&gt;</c>.</summary>
    public string Sweep(string body, string name = "tiny", string outputs = "runs", string? baseConfig = null)
    {
        var file = System.IO.Path.Combine(Path, $"{name}-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, $"""
            name: {name}
            base: {baseConfig ?? BaseConfig}
            set: {"{"}output.dir: {System.IO.Path.Combine(Path, outputs)}{"}"}
            {body}
            """);
        return file;
    }

    public Imbfair.Result Run(params string[] args) => Imbfair.Run(args, Env, Path, TimeSpan.FromMinutes(8));

    public string SweepDir(string name = "tiny", string outputs = "runs") => System.IO.Path.Combine(Path, outputs, name);

    /// <summary>trials.csv as (index → column → cell).</summary>
    public Dictionary<int, Dictionary<string, string>> Trials(string name = "tiny", string outputs = "runs")
    {
        var lines = File.ReadAllLines(System.IO.Path.Combine(SweepDir(name, outputs), "trials.csv"));
        var header = Csv(lines[0]);
        return lines.Skip(1).Select(l => header.Zip(Csv(l)).ToDictionary(x => x.First, x => x.Second))
            .ToDictionary(r => int.Parse(r["index"], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>One CSV line, quotes handled (overrides and errors may hold commas).</summary>
    public static List<string> Csv(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }

    /// <summary>How many times a run started in this directory (the first line each attempt writes to run.log).</summary>
    public static int Starts(string runDir) =>
        File.ReadLines(System.IO.Path.Combine(runDir, "run.log")).Count(l => l.Contains("] imbfair ", StringComparison.Ordinal) && l.Contains("; run ", StringComparison.Ordinal));

    /// <summary>summary.csv without the columns that measure time (they differ between any two runs).</summary>
    public static Dictionary<string, string> Metrics(string runDir)
    {
        var lines = File.ReadAllLines(System.IO.Path.Combine(runDir, "summary.csv"));
        return Csv(lines[0]).Zip(Csv(lines[1])).Where(x => x.First is not ("train_seconds" or "train_images_per_second"))
            .ToDictionary(x => x.First, x => x.Second);
    }

    public void Dispose()
    {
        try
        {
            _dir.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
