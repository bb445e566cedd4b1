using ImbalanceFair.Core.Augmentation;
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
        if (config.Train.Precision == "bf16" && !device.IsCuda && torch.cpu_bf16_missing() is { } bf16Missing)
        {
            // On the CPU, bf16 means bf16 GEMMs in hardware (docs/performance.md, precision): emulated, they would be
            // slower than float32 and less accurate, and silently training in float32 would misreport the run.
            throw new ConfigException(
                $"train.precision: bf16 on the CPU needs bf16 instructions (AVX512_BF16 or AMX-BF16) and a libtorch with oneDNN, and {bf16Missing}; " +
                "use train.precision: auto (fp32 on the CPU) or fp32, or a CUDA device");
        }

        if (ModelInit.IsPath(config.Model.Init) && !File.Exists(config.Model.Init))
        {
            throw new ConfigException($"model.init: '{config.Model.Init}' is neither scratch, pretrained nor an existing .safetensors file");
        }

        if (config.Dataset.Attribute is { Kind: "color" } && dataset.Channels != 1)
        {
            throw new ConfigException($"dataset.attribute: kind color tints grey images, but '{dataset.Name}' has {dataset.Channels} channels; use kind manifest or a grey dataset");
        }

        AugmentationStrategies.Get(config.Augment.Strategy).Check?.Invoke(config.Augment, new StrategyPlan(config.Train.Mode, dataset));

        if (HfClipDirectory.IsDirectoryArch(config.Model.Arch))
        {
            if (config.Model.Init is not (ModelInit.Checkpoint or ModelInit.Scratch))
            {
                throw new ConfigException($"model.init: '{config.Model.Init}' does not apply to a Hugging Face CLIP directory; use checkpoint (its weights) or scratch");
            }

            HfClipDirectory.Open(config.Model.Arch);
        }
        else if (config.Model.Init == ModelInit.Checkpoint)
        {
            throw new ConfigException($"model.init: checkpoint needs model.arch to be a Hugging Face CLIP directory, not the preset '{config.Model.Arch}'");
        }
        else
        {
            try
            {
                ClipPresets.For(config.Model.Arch, dataset.Height, 16, 8).Validate();
            }
            catch (ArgumentException e)
            {
                throw new ConfigException($"model.arch: {e.Message}", e);
            }
        }

        if (config.Train.Mode == TrainMode.Lora && config.Model.Arch == "tiny-clip-conv")
        {
            throw new ConfigException("train.mode: lora adapts the ViT's projections; model.arch tiny-clip-conv has a convolutional image tower (use a ViT preset or a Hugging Face CLIP directory)");
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
