using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Augmentation.Diffusion;
using ImbalanceFair.Core.Config;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Results;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch;
using Serilog;

namespace ImbalanceFair.Core.Runs;

/// <summary>
/// One experiment from a checked plan: run directory <c>output.dir/name/hash12</c> (a finished one is skipped unless
/// forced; an unfinished one resumes from its checkpoint), split, strategy, model, training, evaluation, result
/// files (each written to a temporary name and renamed), and the <c>done</c> marker last (DESIGN §6).
/// </summary>
public sealed class ExperimentRunner
{
    public const string DoneFile = "done";
    public const string CheckpointFile = "checkpoint.safetensors";

    private readonly ILogger _log;

    public ExperimentRunner(ILogger log) => _log = log ?? throw new ArgumentNullException(nameof(log));

    /// <summary>Rerun a finished run from scratch.</summary>
    public bool Force { get; init; }

    public IProgress<TrainProgress>? Progress { get; init; }

    public RunOutcome Run(RunPlan plan, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var dir = plan.RunDir;
        if (File.Exists(Path.Combine(dir, DoneFile)) && !Force)
        {
            _log.Information("Already done: {RunDir} (use --force to run it again)", dir);
            return new RunOutcome(dir, RunStatus.Skipped, RunFiles.ReadSummary(dir));
        }

        // Two processes on one run directory would write over each other's checkpoint and files: the second one stops.
        using var runLock = RunLock.TryAcquire(dir)
            ?? throw new RunLockedException($"{dir} is being run by another process right now (it holds {RunLock.PathFor(dir)}); wait for it, or stop it first");
        if (File.Exists(Path.Combine(dir, DoneFile)) && !Force)
        {
            _log.Information("Already done: {RunDir} (finished by another process meanwhile)", dir);
            return new RunOutcome(dir, RunStatus.Skipped, RunFiles.ReadSummary(dir));
        }

        if (Force && Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        var resolved = RunConfigWriter.ToYaml(plan.Config);
        AtomicFile.WriteText(Path.Combine(dir, "config.resolved.yaml"), resolved);
        using var runLog = new LoggerConfiguration()
            .MinimumLevel.Debug()
            .WriteTo.Logger(_log)
            .WriteTo.File(Path.Combine(dir, "run.log"), outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        runLog.Information("imbfair {Version} on {Device} (libtorch {Torch}, {Threads} threads); run {RunDir}",
            ToolInfo.Current().Version, plan.Device, torch.version, torch.get_num_threads(), dir);
        return Execute(plan, runLog, cancel);
    }

    private RunOutcome Execute(RunPlan plan, ILogger log, CancellationToken cancel)
    {
        var c = plan.Config;
        var d = plan.Dataset;
        var dir = plan.RunDir;
        using var outer = torch.NewDisposeScope();
        using var data = new DatasetCache().Load(d);
        var pretrain = new Pretraining.Options();
        var generatorInputs = BuiltInGenerator.Wanted(c.Augment);
        var reservePool = c.Model.Init == ModelInit.Pretrained || generatorInputs?.TrainOn == "pool";
        var pool = reservePool ? Pretraining.Pool(data.Train.LabelsHost, d.NumClasses, pretrain.PerClass, pretrain.Seed) : null;
        var split = data.BuildSplit(c.Imbalance, c.Dataset.ValFraction, c.Seed, c.Dataset.Attribute, pool);
        var attributes = RunData.AttributeCount(d, split, c.Dataset.Attribute);
        using var train = RunData.Gather(data.Train, split.TrainIndices, split.TrainAttributes, c.Dataset.Attribute, attributes, plan.Device);
        using var val = RunData.Gather(split.ValFromSource ? data.Val! : data.Train, split.ValIndices, split.ValAttributes, c.Dataset.Attribute, attributes, plan.Device);
        using var test = RunData.Gather(data.Test, split.TestIndices, split.TestAttributes, c.Dataset.Attribute, attributes, plan.Device);
        log.Information("{Dataset}: {Train} training images after the {Profile} split (ρ={Ratio}), {Val} validation, {Test} test",
            d.Name, train.Count, c.Imbalance.Profile.ToString().ToLowerInvariant(), c.Imbalance.Ratio, val.Count, test.Count);

        var tokenizer = PromptTokenizer.Build(d.Classes, d.Prompts);
        torch.manual_seed((ulong)c.Seed);
        using var model = new ClipModel(ClipPresets.For(c.Model.Arch, d.Height, tokenizer.VocabSize, tokenizer.ContextLength), d.Mean, d.Std);
        if (c.Model.Init == ModelInit.Pretrained)
        {
            Pretraining.Initialise(model, tokenizer, data, pool!, pretrain, plan.Device, new DatasetCache().Directory, log);
        }
        else if (ModelInit.IsPath(c.Model.Init))
        {
            ModelInit.LoadFile(model, c.Model.Init);
        }

        using var classifier = new ClipClassifier(model, tokenizer, d.Classes, d.Prompts, c.Train.Mode, plan.Device);
        using var real = new RealTrainingData(train.Images, train.Labels, train.SourceIndices, d.NumClasses);
        var generator = generatorInputs is null ? null : BuiltInGenerator.Inputs(data.Train, pool, split, new DatasetCache().Directory, dir);
        var strategy = AugmentationStrategies.Create(c.Augment, new AugmentContext(c.Seed, plan.Device, d, c.Train.Epochs, log, generator, cancel));
        using var strategyResources = strategy as IDisposable;
        var targets = c.Augment.Target.For(real.Counts, d.Classes);
        using var source = new AugmentedTrainingSource(strategy, real, targets);
        source.Prepare(classifier);
        var trainer = new Trainer(classifier, source, new ValidationSet(val.Images, val.Labels, val.Groups), c.Train, c.Seed, log)
        {
            CheckpointPath = Path.Combine(dir, CheckpointFile),
            TrainLogPath = Path.Combine(dir, "train_log.csv"),
            Progress = Progress,
        };
        var result = trainer.Run(cancel);

        log.Information("Evaluating on {Count} test images", test.Count);
        var predictions = Evaluation.Predict(classifier, test.Images, test.Labels);
        bool[]? robust = null;
        if (c.Eval.Attack is { } attack)
        {
            log.Information("Eval attack {Attack} (ε={Eps:G4}, {Steps} steps, {Norm}) on the test set", attack.Name, attack.Eps, attack.Steps, attack.Norm);
            var attacked = RobustAccuracy.Evaluate(classifier, test.Images, test.Labels, attack);
            robust = attacked.RobustCorrect;
            log.Information("Robust accuracy {Robust:F4}", attacked.Overall);
        }

        var summary = RunFiles.WriteAll(new RunResults(plan, split, real, test, predictions, robust, result, source.Recorded, attributes), log);
        if (c.Output.SaveModel)
        {
            Torch.Serialization.SafeTensors.SaveStateDict(model, Path.Combine(dir, "model.safetensors"));
        }

        File.Delete(Path.Combine(dir, CheckpointFile));
        AtomicFile.WriteText(Path.Combine(dir, DoneFile), DateTime.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture) + "\n");
        log.Information("Done: {RunDir}", dir);
        return new RunOutcome(dir, RunStatus.Completed, summary);
    }
}
