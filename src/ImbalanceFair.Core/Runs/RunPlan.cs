using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Runs;

/// <summary>
/// A run config checked against the world before anything is written: the dataset descriptor and its files,
/// the device, the model init, and the combinations that cannot work. Every problem is a <see cref="ConfigException"/>
/// (exit code 2, no run directory).
/// </summary>
public sealed record RunPlan(RunConfig Config, DatasetDescriptor Dataset, Device Device, string Hash, string RunDir)
{
    public static RunPlan Prepare(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var dataset = DatasetCatalog.Find(config.Dataset.Name);
        var missing = DatasetFormats.Get(dataset.Format).SourceFiles(dataset).Where(f => !File.Exists(f)).ToList();
        if (missing.Count > 0)
        {
            throw new ConfigException(
                $"dataset.name: '{config.Dataset.Name}' ({dataset.File}) is missing {missing.Count} file(s), first {missing[0]}. To get them: {dataset.Obtain}");
        }

        var device = ResolveDevice(config.Device);
        if (ModelInit.IsPath(config.Model.Init) && !File.Exists(config.Model.Init))
        {
            throw new ConfigException($"model.init: '{config.Model.Init}' is neither scratch, pretrained nor an existing .safetensors file");
        }

        if (config.Dataset.Attribute is { Kind: "color" } && dataset.Channels != 1)
        {
            throw new ConfigException($"dataset.attribute: kind color tints grey images, but '{dataset.Name}' has {dataset.Channels} channels; use kind manifest or a grey dataset");
        }

        if (config.Augment.Strategy is "smote" && config.Augment.Smote.Space == "embedding" && config.Train.Mode != TrainMode.LinearProbe)
        {
            throw new ConfigException("augment.smote.space: embedding interpolates frozen image embeddings and needs train.mode: linear-probe");
        }

        if (config.Augment.Strategy == "diffusion" && string.IsNullOrEmpty(config.Augment.Diffusion.Source))
        {
            throw new ConfigException("augment.diffusion.source: the diffusion strategy needs a folder of class sub-folders, a manifest CSV, or generate (the built-in generator)");
        }

        try
        {
            ClipPresets.For(config.Model.Arch, dataset.Height, 16, 8).Validate();
        }
        catch (ArgumentException e)
        {
            throw new ConfigException($"model.arch: {e.Message}", e);
        }

        var hash = RunConfigWriter.Hash12(config);
        return new RunPlan(config, dataset, device, hash, Path.Combine(config.Output.Dir, config.Name, hash));
    }

    private static Device ResolveDevice(string text)
    {
        if (text == "auto")
        {
            return torch.cuda.is_available() ? Torch.Device.CUDA : Torch.Device.CPU;
        }

        var device = Torch.Device.Parse(text);
        if (device.IsCuda && !torch.cuda.is_available())
        {
            throw new ConfigException($"device: {text} was asked for, but CUDA is not available here (libtorch {torch.version}); use device: auto or cpu, or build against a CUDA libtorch (docs/bridge.md)");
        }

        if (device.IsCuda && device.Index >= torch.cuda.device_count())
        {
            throw new ConfigException($"device: {text} does not exist; this machine has {torch.cuda.device_count()} CUDA device(s)");
        }

        return device;
    }
}
