using ImbalanceFair.Core.Augmentation.Diffusion;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data.Split;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Training;
using Serilog;

namespace ImbalanceFair.Core.Runs;

/// <summary>
/// The data-dependent checks of a plan, made before anything is written (`run` before its directory exists,
/// `validate` the same way): the dataset decodes, the imbalance split is feasible on its class counts, the attribute
/// is supported by its files, the strategy accepts its options and finds its files. What they produce (the decoded
/// data and the split) is what the run then uses, so nothing is computed twice. Every problem found here is a
/// <see cref="ConfigException"/> (exit 2, nothing written) or a <see cref="DataFormatException"/> (exit 1).
/// </summary>
public sealed class RunInputs : IDisposable
{
    private RunInputs(ImageDataset data, long[]? pretrainPool, Pretraining.Options pretrain, DataSplit split, int attributeCount)
    {
        Data = data;
        PretrainPool = pretrainPool;
        Pretrain = pretrain;
        Split = split;
        AttributeCount = attributeCount;
    }

    public ImageDataset Data { get; }

    /// <summary>The training images reserved for pre-training (model.init: pretrained), which the split leaves out.</summary>
    public long[]? PretrainPool { get; }

    public Pretraining.Options Pretrain { get; }

    public DataSplit Split { get; }

    public int AttributeCount { get; }

    public static RunInputs Check(RunPlan plan, ILogger log, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(log);
        var c = plan.Config;
        var d = plan.Dataset;
        CheckStrategy(plan, log);
        RunPhase.Enter("decode", cancel);
        var data = new DatasetCache().Load(d, cancel);
        try
        {
            cancel.ThrowIfCancellationRequested();
            var pretrain = new Pretraining.Options();
            // The balanced pool is reserved (left out of the split) for pre-training and for a generator trained on it.
            var reserve = c.Model.Init == ModelInit.Pretrained || BuiltInGenerator.Wanted(c.Augment)?.TrainOn == "pool";
            var pool = reserve ? ReservePretrainPool(data, d, pretrain) : null;
            var split = data.BuildSplit(c.Imbalance, c.Dataset.ValFraction, c.Seed, c.Dataset.Attribute, pool);
            return new RunInputs(data, pool, pretrain, split, RunData.AttributeCount(d, split, c.Dataset.Attribute));
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    private static long[] ReservePretrainPool(ImageDataset data, DatasetDescriptor d, Pretraining.Options pretrain)
    {
        try
        {
            return Pretraining.Pool(data.Train.LabelsHost, d.NumClasses, pretrain.PerClass, pretrain.Seed);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException(
                $"model.init: pretrained / augment.diffusion.generator.train_on: pool: {e.Message} (it needs {2 * pretrain.PerClass} per class); use model.init: scratch or train_on: split on a dataset this small", e);
        }
    }

    /// <summary>The strategy is built once, as the run will build it, to check what its constructor checks.</summary>
    private static void CheckStrategy(RunPlan plan, ILogger log)
    {
        var c = plan.Config;
        var strategy = AugmentationStrategies.Create(c.Augment, new AugmentContext(c.Seed, plan.Device, plan.Dataset, c.Train.Epochs, log) { Attribute = c.Dataset.Attribute });
        (strategy as IDisposable)?.Dispose();
    }

    public void Dispose() => Data.Dispose();
}
