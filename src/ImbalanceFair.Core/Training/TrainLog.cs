using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace ImbalanceFair.Core.Training;

/// <summary>One row of train_log.csv (DESIGN §6).</summary>
public sealed record TrainLogRow(int Epoch, long Step, double Loss, double Lr, double ImagesPerSecond, double ElapsedSeconds);

public static class TrainLog
{
    private static readonly CsvConfiguration Csv = new(CultureInfo.InvariantCulture);

    /// <summary>Writes the whole log to <paramref name="path"/> through a temporary file and a rename.</summary>
    public static void Write(string path, IEnumerable<TrainLogRow> rows)
    {
        ArgumentNullException.ThrowIfNull(path);
        var temp = $"{path}.{Environment.ProcessId}.tmp";
        using (var writer = new StreamWriter(temp))
        using (var csv = new CsvWriter(writer, Csv))
        {
            csv.WriteField("epoch");
            csv.WriteField("step");
            csv.WriteField("loss");
            csv.WriteField("lr");
            csv.WriteField("images_per_second");
            csv.WriteField("elapsed_seconds");
            csv.NextRecord();
            foreach (var r in rows)
            {
                csv.WriteField(r.Epoch);
                csv.WriteField(r.Step);
                csv.WriteField(r.Loss.ToString("R", CultureInfo.InvariantCulture));
                csv.WriteField(r.Lr.ToString("R", CultureInfo.InvariantCulture));
                csv.WriteField(r.ImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture));
                csv.WriteField(r.ElapsedSeconds.ToString("F3", CultureInfo.InvariantCulture));
                csv.NextRecord();
            }
        }

        File.Move(temp, path, overwrite: true);
    }
}
