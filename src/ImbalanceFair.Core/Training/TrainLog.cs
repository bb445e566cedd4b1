using System.Globalization;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Results;

namespace ImbalanceFair.Core.Training;

/// <summary>One row of train_log.csv (DESIGN §6).</summary>
public sealed record TrainLogRow(int Epoch, long Step, double Loss, double Lr, double ImagesPerSecond, double ElapsedSeconds);

public static class TrainLog
{
    private static readonly string[] Header = ["epoch", "step", "loss", "lr", "images_per_second", "elapsed_seconds"];

    /// <summary>Writes the whole log to <paramref name="path"/> through a temporary file and a rename.</summary>
    public static void Write(string path, IEnumerable<TrainLogRow> rows) =>
        CsvFile.Write(path, Header, rows.Select(r => (IReadOnlyList<string>)
        [
            CsvFile.Number(r.Epoch), CsvFile.Number(r.Step), CsvFile.Number(r.Loss), CsvFile.Number(r.Lr),
            r.ImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture), r.ElapsedSeconds.ToString("F3", CultureInfo.InvariantCulture),
        ]));
}
