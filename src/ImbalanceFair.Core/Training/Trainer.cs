using System.Diagnostics;
using ImbalanceFair.Core.Augmentation;
using ImbalanceFair.Core.Metrics;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Training.Losses;
using ImbalanceFair.Core.Training.Sampling;
using ImbalanceFair.Torch;
using Serilog;
using LossRegistry = ImbalanceFair.Core.Training.Losses.Losses;

namespace ImbalanceFair.Core.Training;

/// <summary>What the trainer reports as it goes (for progress displays).</summary>
public sealed record TrainProgress(int Epoch, int Epochs, long Step, long TotalSteps, double Loss, double ImagesPerSecond, double ElapsedSeconds);

/// <summary>What training ended with.</summary>
public sealed record TrainResult(TrainState State, int SelectedEpoch);

/// <summary>
/// The training loop, in the spirit of nanoGPT's: per epoch, ask the source for the epoch's set (augmentation hook),
/// draw the sampler's order, gather batches by index on the device, step AdamW/SGD under a warmup-cosine schedule
/// with gradient clipping, validate, keep the best model for selection, and checkpoint atomically. A checkpoint
/// at <c>checkpointPath</c> is resumed from. Seeded and deterministic on CPU.
/// </summary>
public sealed class Trainer
{
    private readonly ClipClassifier _classifier;
    private readonly ITrainingSetSource _source;
    private readonly ValidationSet? _validation;
    private readonly TrainOptions _options;
    private readonly long _seed;
    private readonly ILogger _log;
    private bool _firstStepDone;

    public Trainer(ClipClassifier classifier, ITrainingSetSource source, ValidationSet? validation, TrainOptions options, long seed, ILogger? log = null)
    {
        _classifier = classifier ?? throw new ArgumentNullException(nameof(classifier));
        _source = source ?? throw new ArgumentNullException(nameof(source));
        _validation = validation;
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _seed = seed;
        _log = log ?? Serilog.Core.Logger.None;
    }

    /// <summary>Where to save a checkpoint after every epoch (and resume from, if present); null: no checkpoints.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Where to write train_log.csv after every epoch; null: not written.</summary>
    public string? TrainLogPath { get; init; }

    public IProgress<TrainProgress>? Progress { get; init; }

    public TrainResult Run(CancellationToken cancel = default)
    {
        if (_options.Mode == TrainMode.ZeroShot || _options.Epochs == 0)
        {
            return new TrainResult(new TrainState(), -1);
        }

        var parameters = _classifier.TrainableParameters();
        using var optimizer = CreateOptimizer(parameters);
        var state = new TrainState();
        Dictionary<string, Tensor>? best = null;
        try
        {
            if (CheckpointPath is not null && File.Exists(CheckpointPath))
            {
                (state, best) = Checkpoint.Load(CheckpointPath, _classifier, optimizer);
                _log.Information("Resuming from {Checkpoint} after epoch {Epoch} (step {Step})", CheckpointPath, state.CompletedEpochs, state.GlobalStep);
            }

            _log.Information("Precision: {Precision}", !Bf16 ? "fp32"
                : _classifier.Device.IsCuda ? "bf16 (CUDA autocast)"
                : "bf16 (CPU: linear layers' GEMMs from bf16 operands with fp32 sums; everything else fp32)");
            optim.lr_scheduler.LRScheduler? schedule = null;
            var clock = Stopwatch.StartNew();
            for (var epoch = state.CompletedEpochs; epoch < _options.Epochs; epoch++)
            {
                using var set = _source.ForEpoch(epoch, _classifier);
                var stepsPerEpoch = (set.Count + _options.BatchSize - 1) / _options.BatchSize;
                var totalSteps = (long)stepsPerEpoch * _options.Epochs;
                schedule ??= CreateSchedule(optimizer, totalSteps, state.GlobalStep);
                using var loss = LossRegistry.Create(_options.Loss, _options.LossOptions, set.ClassCounts);
                var order = Samplers.Create(_options.Sampler, set.LabelsHost, _classifier.Classes, _seed).EpochOrder(epoch);
                state = TrainEpoch(epoch, set, order, loss, optimizer, schedule, state with { TotalSteps = totalSteps }, clock, cancel);

                var metric = Validate(epoch);
                if (metric is { } m && m > state.BestMetric)
                {
                    DisposeAll(best);
                    best = Snapshot();
                    state = state with { BestMetric = m, BestEpoch = epoch };
                }

                state = state with { CompletedEpochs = epoch + 1 };
                if (CheckpointPath is not null)
                {
                    Checkpoint.Save(CheckpointPath, _classifier, optimizer, state, best);
                }

                if (TrainLogPath is not null)
                {
                    TrainLog.Write(TrainLogPath, state.Log);
                }

                // The epoch's managed garbage (tensor wrappers, scopes, log rows: about 1 MiB per epoch) is collected here,
                // at a quiet point. The GC sizes its first-generation budget from the L3 cache (260 MiB on our CI
                // machine), so otherwise a long run's resident memory climbs epoch after epoch, for hundreds of epochs,
                // before the first collection (scripts/bench memory showed +1.3 MiB/epoch). The live heap is a few MiB,
                // so this costs about a millisecond per epoch.
                GC.Collect();

                // What the memory benchmark (scripts/bench memory) reads at each epoch end to tell a leak of tensors or
                // managed objects from memory the allocators keep.
                _log.Debug("Epoch {Epoch} memory: {Live} live tensors, managed heap {Heap:F1} MiB", epoch + 1, Tensor.NativeLiveCount, GC.GetTotalMemory(false) / 1048576.0);

                _log.Information("Epoch {Epoch}/{Epochs}: loss {Loss:F4}{Val}", epoch + 1, _options.Epochs, state.Log.LastOrDefault()?.Loss ?? double.NaN,
                    metric is null ? string.Empty : $", val {_options.Select} {metric:F4}");
            }

            var selected = _options.Epochs - 1;
            if (_options.Select != "last" && best is not null)
            {
                _classifier.LoadStateDict(best);
                selected = state.BestEpoch;
                _log.Information("Selected the model of epoch {Epoch} ({Select} {Metric:F4})", selected + 1, _options.Select, state.BestMetric);
            }

            return new TrainResult(state, selected);
        }
        finally
        {
            DisposeAll(best);
        }
    }

    /// <summary>bf16 autocast for the training steps: asked for, or auto on CUDA (auto stays fp32 on the CPU: docs/performance.md, precision).</summary>
    private bool Bf16 => _options.Precision == "bf16" || (_options.Precision == "auto" && _classifier.Device.IsCuda);

    private TrainState TrainEpoch(int epoch, TrainingSet set, long[] order, ILoss loss, optim.Optimizer optimizer,
        optim.lr_scheduler.LRScheduler schedule, TrainState state, Stopwatch clock, CancellationToken cancel)
    {
        _classifier.Train(true);
        var step = state.GlobalStep;
        var log = new List<TrainLogRow>(state.Log);
        var seen = state.ImagesSeen;
        var startSeconds = state.TrainSeconds;
        var epochStart = clock.Elapsed.TotalSeconds;
        var windowStart = epochStart;
        var windowImages = 0L;
        var lossCount = 0;

        // The loss summed on the device and read at log points only: reading it every step (item()) would make the
        // host wait for the GPU each step. Float64, as the host sum was: the logged means do not change.
        using var lossSum = torch.zeros([1], ScalarType.Float64, _classifier.Device).DetachFromDisposeScope();
        using var orderOnDevice = torch.from_array<long>(order, [order.Length], _classifier.Device);
        for (var start = 0; start < order.Length; start += _options.BatchSize)
        {
            cancel.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            var len = Math.Min(_options.BatchSize, order.Length - start);
            var idx = orderOnDevice.narrow(0, start, len);
            var x = set.Images.index_select(0, idx);
            var y = set.Labels.index_select(0, idx);
            Tensor value;
            using (torch.autocast(Bf16))
            {
                var logits = set.Embeddings ? _classifier.LogitsOfEmbeddings(x) : _classifier.Logits(x.to(ScalarType.Float32) / 255.0);
                value = loss.Compute(logits.to(ScalarType.Float32), y);
            }

            optimizer.zero_grad();
            value.backward();
            if (_options.GradClip > 0)
            {
                nn.utils.clip_grad_norm_(optimizer.Parameters, _options.GradClip);
            }

            optimizer.step();
            schedule.step();
            if (!_firstStepDone)
            {
                // The start-up benchmark (scripts/bench startup) waits for this line: process start to first step.
                _firstStepDone = true;
                using var self = Process.GetCurrentProcess();
                _log.Debug("First training step done, {Seconds:F3} s after the process started", (DateTime.Now - self.StartTime).TotalSeconds);
            }

            step++;
            seen += len;
            windowImages += len;
            using (torch.no_grad())
            {
                lossSum.add_(value.detach().to(ScalarType.Float64));
            }

            lossCount++;
            var last = start + len >= order.Length;
            if (step % _options.LogEvery == 0 || last)
            {
                var now = clock.Elapsed.TotalSeconds;
                var rate = windowImages / Math.Max(now - windowStart, 1e-9);
                var meanLoss = lossSum.item() / lossCount;
                if (!double.IsFinite(meanLoss))
                {
                    throw new InvalidOperationException($"the training loss became {meanLoss} at epoch {epoch + 1}, step {step}: lower train.optimizer.lr or use train.precision: fp32");
                }

                log.Add(new TrainLogRow(epoch + 1, step, meanLoss, optimizer.lr, rate, startSeconds + (now - epochStart)));
                Progress?.Report(new TrainProgress(epoch + 1, _options.Epochs, step, state.TotalSteps, meanLoss, rate, startSeconds + (now - epochStart)));
                windowStart = now;
                windowImages = 0;
                lossSum.zero_();
                lossCount = 0;
            }
        }

        return state with
        {
            GlobalStep = step,
            Log = log,
            ImagesSeen = seen,
            TrainSeconds = startSeconds + (clock.Elapsed.TotalSeconds - epochStart),
        };
    }

    /// <summary>
    /// Validates after every epoch when there is validation data: logs balanced and worst-group accuracy and returns
    /// the one <c>train.select</c> names (null for "last", which selects nothing).
    /// </summary>
    private double? Validate(int epoch)
    {
        if (_validation is null || _validation.Labels.numel() == 0)
        {
            return null;
        }

        var p = Evaluation.Predict(_classifier, _validation.Images, _validation.Labels);
        var balanced = Accuracy.Balanced(p.Labels, p.Predicted, _classifier.Classes);
        var worstGroup = Accuracy.WorstGroup(_validation.Groups, p.Labels, p.Predicted);
        _log.Information("Epoch {Epoch}: val balanced accuracy {Balanced:F4}, worst-group accuracy {WorstGroup:F4}", epoch + 1, balanced, worstGroup);
        return Selections.Score(_options.Select, balanced, worstGroup);
    }

    private Dictionary<string, Tensor> Snapshot()
    {
        using var noGrad = torch.no_grad();
        return _classifier.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal);
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        if (tensors is null)
        {
            return;
        }

        foreach (var t in tensors.Values)
        {
            t.Dispose();
        }
    }

    private optim.Optimizer CreateOptimizer(IReadOnlyList<Tensor> parameters) => Optimizers.Create(parameters, _options.Optimizer);

    private optim.lr_scheduler.LRScheduler CreateSchedule(optim.Optimizer optimizer, long totalSteps, long position)
    {
        var s = _options.Schedule;

        // A restored optimizer carries the decayed rate of its last step; the schedule's base is the configured one.
        optimizer.lr = _options.Optimizer.Lr;
        var warmup = Math.Min(s.WarmupSteps, Math.Max(0, totalSteps - 1));
        var schedule = Schedules.Create(s.Name, optimizer, warmup, totalSteps);
        schedule.last_epoch = position;
        return schedule;
    }
}
