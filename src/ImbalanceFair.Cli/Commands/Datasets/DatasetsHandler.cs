using System.Globalization;
using ImbalanceFair.Core.Data;

namespace ImbalanceFair.Cli.Commands.Datasets;

internal static class DatasetsHandler
{
    public static int Run(TextWriter output, TextWriter error, bool noCounts) => Guarded.Run(error, () =>
    {
        var descriptors = DatasetCatalog.All();
        if (descriptors.Count == 0)
        {
            error.WriteLine($"no dataset descriptors found (searched {string.Join(", ", DatasetCatalog.SearchFolders())})");
            return ExitCodes.Failed;
        }

        var cache = new DatasetCache();
        foreach (var d in descriptors)
        {
            var sources = DatasetFormats.Get(d.Format).SourceFiles(d);
            var missing = sources.Where(s => !File.Exists(s)).ToList();
            var files = sources.Count == 0 ? "generated" : missing.Count == 0 ? "present" : $"missing ({missing.Count} of {sources.Count})";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{d.Name,-16} {d.Format,-13} {d.NumClasses,4} classes  {d.Height}x{d.Width}x{d.Channels}  files: {files}"));
            output.WriteLine($"  {d.File}");
            if (missing.Count > 0)
            {
                output.WriteLine($"  to get them: {d.Obtain}");
                continue;
            }

            if (noCounts)
            {
                continue;
            }

            using var data = cache.Load(d);
            output.WriteLine($"  train per class: {string.Join(' ', data.TrainCounts())}  (total {data.Train.Count})");
            if (data.Val is not null)
            {
                output.WriteLine($"  val per class:   {string.Join(' ', data.ValCounts()!)}  (total {data.Val.Count})");
            }

            output.WriteLine($"  test per class:  {string.Join(' ', data.TestCounts())}  (total {data.Test.Count})");
        }

        return ExitCodes.Success;
    });
}
