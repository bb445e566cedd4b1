using ImbalanceFair.Cli.Tests.Support;

namespace ImbalanceFair.Cli.Tests;

public class DatasetsCommandTests
{
    [Fact]
    public void Lists_descriptors_file_presence_and_class_counts()
    {
        var dir = Directory.CreateTempSubdirectory("imbfair-cli-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "tiny-shapes.yaml"), """
                name: tiny-shapes
                format: procedural
                source: {generator: shapes, seed: 2, train_per_class: 7, test_per_class: 3}
                channels: 3
                image_size: [8, 8]
                num_classes: 4
                """);
            File.WriteAllText(Path.Combine(dir.FullName, "absent.yaml"), """
                name: absent
                format: idx
                obtain: copy the files into ./nowhere
                source: {dir: nowhere, train_images: a, train_labels: b, test_images: c, test_labels: d}
                image_size: [28, 28]
                classes: [x, y]
                """);
            var env = new Dictionary<string, string> { ["IMBFAIR_DATASETS"] = dir.FullName, ["IMBFAIR_CACHE"] = Path.Combine(dir.FullName, "cache") };

            var result = Imbfair.Run(["datasets"], env);

            Assert.Equal(0, result.ExitCode);
            Assert.Matches(@"(?m)^tiny-shapes\s+procedural\s+4 classes\s+8x8x3\s+files: generated$", result.Stdout);
            Assert.Contains("  train per class: 7 7 7 7  (total 28)", result.Stdout, StringComparison.Ordinal);
            Assert.Contains("  test per class:  3 3 3 3  (total 12)", result.Stdout, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^absent\s+idx\s+2 classes\s+28x28x1\s+files: missing \(4 of 4\)$", result.Stdout);
            Assert.Contains("to get them: copy the files into ./nowhere", result.Stdout, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^fashion-mnist\s+idx", result.Stdout);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void A_broken_descriptor_is_a_usage_error_naming_file_and_line()
    {
        var dir = Directory.CreateTempSubdirectory("imbfair-cli-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "broken.yaml"), "name: broken\nformat: procedural\nsource: {generator: shapes}\nimage_size: [8, 8]\nnum_classes: 3\nchanels: 3\n");

            var result = Imbfair.Run(["datasets", "--no-counts"], new Dictionary<string, string> { ["IMBFAIR_DATASETS"] = dir.FullName });

            Assert.Equal(2, result.ExitCode);
            Assert.Contains("broken.yaml:6", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("Did you mean 'channels'", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
