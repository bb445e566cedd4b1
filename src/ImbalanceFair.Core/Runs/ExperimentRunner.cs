using ImbalanceFair.Torch.IO;
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
/// One experiment from a checked plan, in the order DESIGN §6 asks for: the data-dependent checks
/// (<see cref="RunInputs"/>) before anything is written; then the run directory <c>output.dir/name/hash12</c> (a
/// finished one is skipped unless forced; an unfinished one resumes from its checkpoint) with its lock inside it;
/// split, strategy, model, training, evaluation; result files, each written atomically; the <c>done</c> marker; and
/// only then the checkpoint removed. A failure once the directory exists is logged with its exception in run.log and
/// leaves a <c>failed</c> marker with the reason; a cancellation leaves the directory resumable and never <c>done</c>.
/// </summary>
public sealed class ExperimentRunner
{
    public const string DoneFile = RunMarkers.DoneFile;
    public const string CheckpointFile = RunMarkers.CheckpointFile;

    private readonly ILogger _log;

    public ExperimentRunner(ILogger log) => _log = log ?? throw new ArgumentNullException(nameof(log));

    /// <summary>Rerun a finished run from scratch.</summary>
    public bool Force { get; init; }

    public IProgress<TrainProgress>? Progress { get; init; }

    public RunOutcome Run(RunPlan plan, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var dir = plan.RunDir;
        if (RunMarkers.IsDone(dir) && !Force)
        {
            _log.Information("Already done: {RunDir} (use --force to run it again)", dir);
            return new RunOutcome(dir, RunStatus.Skipped, RunFiles.ReadSummary(dir));
        }

        using var inputs = CheckInputs(plan, cancel);
        var createdHere = !Directory.Exists(dir);
        Directory.CreateDirectory(dir);

        // Two processes on one run directory would write over each other's checkpoint and files: the second one stops.
        using var runLock = RunLock.TryAcquire(dir)
            ?? throw new RunLockedException($"{dir} is being run by another process right now (it holds {RunLock.PathFor(dir)}); wait for it, or stop it first");
        if (RunMarkers.IsDone(dir) && !Force)
        {
            _log.Information("Already done: {RunDir} (finished by another process meanwhile)", dir);
            return new RunOutcome(dir, RunStatus.Skipped, RunFiles.ReadSummary(dir));
        }

        if (Force)
        {
            RunLock.EmptyExceptLock(dir);
        }

        // A process killed mid-write (SIGKILL, OOM, node loss) leaves its temporary file; the lock says none is in use.
        AtomicFile.RemoveLeftovers(dir, recursive: true);

        using var runLog = new LoggerConfiguration()
            .MinimumLevel.Debug()
            .WriteTo.Logger(_log)
            .WriteTo.File(Path.Combine(dir, "run.log"), outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
        try
        {
            RunMarkers.ClearFailed(dir);
            AtomicFile.WriteText(Path.Combine(dir, "config.resolved.yaml"), RunConfigWriter.ToYaml(plan.Config));
            runLog.Information("imbfair {Version} on {Device} (libtorch {Torch}, {Threads} threads); run {RunDir}",
                ToolInfo.Current().Version, plan.Device, torch.version, torch.get_num_threads(), dir);
            CheckCheckpoint(dir);
            using var phase = RunCancellation.Use(cancel);
            return Execute(plan, inputs, runLog, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            runLog.Warning("Interrupted. The checkpoint of the last finished epoch is in {RunDir}; run the same command again to resume.", dir);
            throw;
        }
        catch (ConfigException e) when (createdHere)
        {
            // A config problem only the work itself could find: like every config error, it leaves nothing behind.
            runLog.Error(e, "The run failed: {Message}", e.Message);
            (runLog as IDisposable)?.Dispose();
            Directory.Delete(dir, recursive: true);
            throw;
        }
        catch (Exception e)
        {
            runLog.Error(e, "The run failed: {Message}", e.Message);
            if (!RunMarkers.TryWriteFailed(dir, e))
            {
                runLog.Error("Could not write the failed marker in {RunDir} either", dir);
            }

            throw RunFailedException.For(dir, e);
        }
    }

    /// <summary>
    /// A checkpoint that does not read back (truncated by a full disk or a copy) is an error, not a reason to start
    /// over silently: the user decides, with --force, to discard it and start afresh.
    /// </summary>
    private static void CheckCheckpoint(string dir)
    {
        var path = Path.Combine(dir, CheckpointFile);
        if (!File.Exists(path))
        {
            return;
        }

        try
        {
            _ = Torch.Serialization.SafeTensors.ReadHeader(path);
        }
        catch (Torch.Serialization.SafeTensorsFormatException e)
        {
            throw DataFormatException.For(path, $"the checkpoint to resume from is damaged ({e.Message}); nothing was changed. " +
                "Run the same command with --force to discard it and start this run afresh");
        }
    }

    /// <summary>The data-dependent checks, with the run's cancellation reaching the decoding loops.</summary>
    private RunInputs CheckInputs(RunPlan plan, CancellationToken cancel)
    {
        using var phase = RunCancellation.Use(cancel);
        return RunInputs.Check(plan, _log, cancel);
    }

    private RunOutcome Execute(RunPlan plan, RunInputs inputs, ILogger log, CancellationToken cancel)
    {
        var c = plan.Config;
        var d = plan.Dataset;
        var dir = plan.RunDir;
        using var outer = torch.NewDisposeScope();
        var data = inputs.Data;
        var split = inputs.Split;
        var attributes = inputs.AttributeCount;
        using var train = RunData.Gather(data.Train, split.TrainIndices, split.TrainAttributes, c.Dataset.Attribute, attributes, plan.Device);
        using var val = RunData.Gather(split.ValFromSource ? data.Val! : data.Train, split.ValIndices, split.ValAttributes, c.Dataset.Attribute, attributes, plan.Device);
        using var test = RunData.Gather(data.Test, split.TestIndices, split.TestAttributes, c.Dataset.Attribute, attributes, plan.Device);
        log.Information("{Dataset}: {Train} training images after the {Profile} split (ρ={Ratio}), {Val} validation, {Test} test",
            d.Name, train.Count, c.Imbalance.Profile.ToString().ToLowerInvariant(), c.Imbalance.Ratio, val.Count, test.Count);

        torch.manual_seed((ulong)c.Seed);
        var hf = HfClipDirectory.IsDirectoryArch(c.Model.Arch) ? HfClipDirectory.Open(c.Model.Arch) : null;
        var (model, tokenizer) = hf is null ? PresetModel(c, d, data, inputs.PretrainPool, inputs.Pretrain, plan.Device, log, cancel) : (hf.CreateModel(c.Model.Init == ModelInit.Checkpoint), (ITextTokenizer)hf.Tokenizer);
        using var modelOwner = model;
        if (hf is not null)
        {
            log.Information("{Arch}: Hugging Face CLIP ({Init}), ViT {Width}x{Layers} patch {Patch} at {Size} px, text {TextWidth}x{TextLayers}",
                c.Model.Arch, c.Model.Init, hf.Config.VisionWidth, hf.Config.VisionLayers, hf.Config.PatchSize, hf.Config.ImageSize, hf.Config.TextWidth, hf.Config.TextLayers);
        }

        using var classifier = new ClipClassifier(model, tokenizer, d.Classes, d.Prompts, c.Train.Mode, plan.Device, c.Train.Lora);
        using var real = new RealTrainingData(train.Images, train.Labels, train.SourceIndices, d.NumClasses);
        var generator = BuiltInGenerator.Wanted(c.Augment) is null ? null : BuiltInGenerator.Inputs(data.Train, inputs.PretrainPool, split, new DatasetCache().Directory, dir);
        var strategy = AugmentationStrategies.Create(c.Augment, new AugmentContext(c.Seed, plan.Device, d, c.Train.Epochs, log, generator, cancel) { Attribute = c.Dataset.Attribute });
        using var strategyResources = strategy as IDisposable;
        var targets = c.Augment.Target.For(real.Counts, d.Classes);
        using var source = new AugmentedTrainingSource(strategy, real, targets);
        RunPhase.Enter("generation", cancel);
        source.Prepare(classifier);
        RunPhase.Enter("training", cancel);
        var trainer = new Trainer(classifier, source, new ValidationSet(val.Images, val.Labels, val.Groups), c.Train, c.Seed, log)
        {
            CheckpointPath = Path.Combine(dir, CheckpointFile),
            TrainLogPath = Path.Combine(dir, "train_log.csv"),
            Progress = Progress,
        };
        var result = trainer.Run(cancel);
        source.RecordIfMissing(c.Train.Epochs - 1, classifier);

        RunPhase.Enter("evaluation", cancel);
        log.Information("Evaluating on {Count} test images", test.Count);
        var predictions = Evaluation.Predict(classifier, test.Images, test.Labels, cancel: cancel);
        bool[]? robust = null;
        if (c.Eval.Attack is { } attack)
        {
            RunPhase.Enter("eval-attack", cancel);
            log.Information("Eval attack {Attack} (ε={Eps:G4}, {Steps} steps, {Norm}) on the test set", attack.Name, attack.Eps, attack.Steps, attack.Norm);
            var attacked = RobustAccuracy.Evaluate(classifier, test.Images, test.Labels, attack, cancel: cancel);
            robust = attacked.RobustCorrect;
            log.Information("Robust accuracy {Robust:F4}", attacked.Overall);
        }

        cancel.ThrowIfCancellationRequested();
        var summary = RunFiles.WriteAll(new RunResults(plan, split, real, test, predictions, robust, result, source.Recorded, attributes), log, cancel);
        if (c.Output.SaveModel)
        {
            classifier.MergeLora();
            if (hf is not null)
            {
                HfClipExport.Save(model, hf, Path.Combine(dir, "model"));
            }
            else
            {
                Torch.Serialization.SafeTensors.SaveStateDict(model, Path.Combine(dir, "model.safetensors"));
            }
        }

        // The last point a signal stops the run: once done is written the run is finished, and its checkpoint goes.
        cancel.ThrowIfCancellationRequested();
        RunMarkers.WriteDone(dir);
        RunMarkers.RemoveCheckpoint(dir);
        log.Information("Done: {RunDir}", dir);
        return new RunOutcome(dir, RunStatus.Completed, summary);
    }

    // A named preset sized for the dataset, with a word-level tokenizer over its prompts; scratch, pretrained or a state dict.
    private static (ClipModel, ITextTokenizer) PresetModel(
        RunConfig c, DatasetDescriptor d, ImageDataset data, long[]? pool, Pretraining.Options pretrain, Device device, ILogger log, CancellationToken cancel)
    {
        var tokenizer = PromptTokenizer.Build(d.Classes, d.Prompts);
        var model = new ClipModel(ClipPresets.For(c.Model.Arch, d.Height, tokenizer.VocabSize, tokenizer.ContextLength), d.Mean, d.Std);
        try
        {
            if (c.Model.Init == ModelInit.Pretrained)
            {
                RunPhase.Enter("pretraining", cancel);
                Pretraining.Initialise(model, tokenizer, data, pool!, pretrain, device, new DatasetCache().Directory, log);
                cancel.ThrowIfCancellationRequested();
            }
            else if (ModelInit.IsPath(c.Model.Init))
            {
                ModelInit.LoadFile(model, c.Model.Init);
            }
        }
        catch
        {
            model.Dispose();
            throw;
        }

        return (model, tokenizer);
    }
}
