using System.Text.Json;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Torch.Serialization;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Training;

/// <summary>Where training stands after an epoch: enough, with the tensors, to resume exactly.</summary>
public sealed record TrainState
{
    public int CompletedEpochs { get; init; }

    public long GlobalStep { get; init; }

    public long TotalSteps { get; init; }

    public double BestMetric { get; init; } = double.NegativeInfinity;

    public int BestEpoch { get; init; } = -1;

    public double TrainSeconds { get; init; }

    public long ImagesSeen { get; init; }

    public List<TrainLogRow> Log { get; init; } = [];
}

/// <summary>
/// A checkpoint is one safetensors file: the classifier's tensors ("model.*", "head.*"), the optimizer's moments
/// ("optim.*"), the best model so far ("best.*") and libtorch's CPU generator state ("rng"), with the
/// <see cref="TrainState"/> as JSON metadata. SafeTensors.Save writes it atomically (temporary file + rename), so an
/// interrupted write never replaces a good checkpoint.
/// </summary>
public static class Checkpoint
{
    // BestMetric starts at -inf; the state must round-trip it.
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static void Save(string path, ClipClassifier classifier, optim.Optimizer? optimizer, TrainState state, IReadOnlyDictionary<string, Tensor>? best)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        using var scope = torch.NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>(classifier.StateDict(), StringComparer.Ordinal);
        if (optimizer is not null)
        {
            foreach (var (k, v) in optimizer.state_dict())
            {
                tensors["optim." + k] = v;
            }
        }

        if (best is not null)
        {
            foreach (var (k, v) in best)
            {
                tensors["best." + k] = v;
            }
        }

        tensors["rng"] = torch.get_rng_state();
        SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["state"] = JsonSerializer.Serialize(state, Json) });
    }

    /// <summary>Restores the classifier, optimizer and RNG; returns the state and the best model so far (caller disposes).</summary>
    public static (TrainState state, Dictionary<string, Tensor>? best) Load(string path, ClipClassifier classifier, optim.Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        using var file = SafeTensors.Load(path);
        var state = JsonSerializer.Deserialize<TrainState>(file.Metadata.TryGetValue("state", out var json) ? json : "{}", Json)
                    ?? throw new InvalidDataException($"{path}: checkpoint without a training state");
        classifier.LoadStateDict(Prefixed(file, "model.", keep: true).Concat(Prefixed(file, "head.", keep: true)).ToDictionary(StringComparer.Ordinal));
        optimizer?.load_state_dict(Prefixed(file, "optim.", keep: false).ToDictionary(StringComparer.Ordinal));
        torch.set_rng_state(file["rng"]);
        var best = Prefixed(file, "best.", keep: false).ToList();
        return (state, best.Count == 0 ? null : best.ToDictionary(kv => kv.Key, kv => file.Take("best." + kv.Key), StringComparer.Ordinal));
    }

    private static IEnumerable<KeyValuePair<string, Tensor>> Prefixed(SafeTensorsFile file, string prefix, bool keep) =>
        file.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => new KeyValuePair<string, Tensor>(keep ? kv.Key : kv.Key[prefix.Length..], kv.Value));
}
