using ImbalanceFair.Tests.Shared;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Tests.Support;

namespace ImbalanceFair.Core.Tests.Data;

public class ShippedDescriptorTests
{
    [Theory]
    [InlineData("cifar10", "cifar-binary", 10, "data/cifar-10-batches-bin/data_batch_1.bin", 6)]
    [InlineData("cifar100", "cifar-binary", 100, "data/cifar-100-binary/train.bin", 2)]
    [InlineData("waterbirds", "manifest", 2, "data/waterbird_complete95_forest2water2/metadata.csv", 1)]
    public void Descriptors_for_datasets_not_on_this_machine_load_and_name_their_files(string name, string format, int classes, string firstFile, int files)
    {
        var d = DatasetDescriptor.Load(Path.Combine(Repo.Root, "datasets", name + ".yaml"));

        var sources = DatasetFormats.Get(d.Format).SourceFiles(d);

        Assert.Equal(format, d.Format);
        Assert.Equal(classes, d.NumClasses);
        Assert.Equal(files, sources.Count);
        Assert.Equal(Path.Combine(Repo.Root, "datasets", firstFile), sources[0]);
        Assert.Contains("datasets/data", d.Obtain, StringComparison.Ordinal);
        if (!File.Exists(sources[0]))
        {
            var e = Assert.Throws<DataFormatException>(() => DatasetFormats.Get(d.Format).Read(d));
            Assert.Contains("not found", e.Message, StringComparison.Ordinal);
        }
    }
}
