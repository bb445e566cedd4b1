using System.Globalization;

namespace ImbalanceFair.Core.Reports;

/// <summary>
/// Runs that differ only by seed, in seed order. <see cref="GroupId"/> names the group in report.csv;
/// <see cref="VariantParts"/> is empty unless other groups share the same <see cref="Identity"/>, and then it holds the
/// config keys that tell them apart (<c>train.optimizer.lr=0.0003</c>), so that no two table rows look alike.
/// </summary>
public sealed record RunGroup(string GroupId, RunIdentity Identity, IReadOnlyList<string> VariantParts, IReadOnlyList<ReportRun> Runs)
{
    /// <summary>The <see cref="VariantParts"/> (each <c>key=value</c>) as one text, as report.csv and report.md show it.</summary>
    public string Variant => string.Join(", ", VariantParts);

    public IReadOnlyList<long> Seeds => Runs.Select(r => r.Seed).ToList();

    /// <summary>Everything but strategy and ρ: the heading of a report.md table and a chart series' suffix.</summary>
    public string Setting
    {
        get
        {
            var i = Identity;
            var setting = string.Create(CultureInfo.InvariantCulture, $"{i.Name} · {i.Dataset} · {i.Arch} · {i.TrainMode} · {i.Loss} · {i.Epochs} epochs");
            return Variant.Length == 0 ? setting : $"{setting} · {Variant}";
        }
    }
}
