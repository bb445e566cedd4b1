using System.Diagnostics;
using System.Globalization;
using System.Text;
using ImbalanceFair.Core.Models;
using ImbalanceFair.Core.Training;
using ImbalanceFair.Torch;

namespace ImbalanceFair.Bench;

/// <summary>
/// The `vit-b32` benchmark's LoRA part: one <c>train.mode: lora</c> training step per round on the whole CLIP at
/// ViT-B/32's sizes (text tower 12x512, 8 heads, CLIP's vocabulary of 49,408 and context of 77; Fashion-MNIST's 10
/// classes x 4 templates as prompts, word-level ids padded to 77, so the text tower does a real run's work), wrapped as a run
/// wraps it (ClipClassifier with default LoraOptions, the optimizer over its trainable parameters only, the
/// Trainer's defaults: AdamW, cross-entropy, grad clip), against bench/reference/vit_b32.py --lora, alternating
/// rounds after one warm-up step each; with each side's peak resident memory.
/// </summary>
internal static partial class VitB32Benchmark
{
    private static readonly string[] s_classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static readonly string[] s_templates = ["a photo of a {}.", "a black and white photo of a {}.", "a low resolution photo of a {}.", "a photo of the {}, a type of clothing."];

    private static readonly double[] s_mean = [0.48145466, 0.4578275, 0.40821073];

    private static readonly double[] s_std = [0.26862954, 0.26130258, 0.27577711];

    private const int ClipVocabulary = 49408;

    private const int ClipContext = 77;

    private sealed record LoraRound(double Seconds, double ImagesPerSecond, double CpuSeconds, long PeakRssKib);

    /// <summary>Times the LoRA step on both sides (imbfair alone where the PyTorch side fails), prints a line per side, appends CSV rows.</summary>
    private static void RunLora(Options o, Candidate env, bool bf16, StringBuilder csv, string when)
    {
        var inv = CultureInfo.InvariantCulture;
        GC.Collect();
        var reset = PeakRss.Reset();
        Console.WriteLine($"LoRA step (train.mode: lora, rank 8 on q_proj/v_proj of both towers, AdamW over the adapters), {(bf16 ? "bf16" : "fp32")}, batch {o.LoraBatch}, " +
                          $"one warm-up step then {o.Rounds} timed step(s) per side; load average {Load.Average()}");
        using var ours = new LoraSide(o.LoraBatch, bf16);
        ours.Step();
        PythonLoraSide? python = new(o, env, bf16);
        try
        {
            python.WaitReady();
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine($"  PyTorch LoRA side failed ({e.Message}): the LoRA figure is imbfair-only");
            python.Dispose();
            python = null;
        }

        try
        {
            Func<int, LoraRound>[] sides = python is null ? [_ => ours.Round()] : [_ => ours.Round(), _ => python.Round()];
            var rounds = Alternating.Rounds(o.Rounds, sides);
            var suffix = bf16 ? "-bf16" : "";
            string[] names = ["imbfair-lora" + suffix, "pytorch-lora" + suffix];
            for (var s = 0; s < rounds.Length; s++)
            {
                var peak = rounds[s].Max(x => x.PeakRssKib) / 1024.0;
                var scope = s == 0 && !reset ? " (whole process: VmHWM could not be reset)" : "";
                Console.WriteLine(string.Create(inv,
                    $"{names[s],-13} LoRA step median {Stats.Median(rounds[s].Select(x => x.ImagesPerSecond)),6:F2} img/s, best {rounds[s].Max(x => x.ImagesPerSecond),6:F2}, peak RSS {peak:F0} MiB{scope}"));
                for (var r = 0; r < rounds[s].Count; r++)
                {
                    var x = rounds[s][r];
                    csv.Append(inv, $"{when},vit-b32-lora,{names[s]},{r + 1},{o.Threads},{o.LoraBatch},1,\"{env.Name}\",{x.Seconds:F6},{x.CpuSeconds:F6},{x.ImagesPerSecond:F3},{x.PeakRssKib / 1024.0:F1}\n");
                }
            }

            Console.WriteLine(python is null
                ? "LoRA step: imbfair only (no PyTorch reference ran)"
                : string.Create(inv, $"LoRA step ratio imbfair/pytorch{suffix} {Stats.Median(rounds[0].Zip(rounds[1], (a, t) => a.ImagesPerSecond / t.ImagesPerSecond)):F2}; load average {Load.Average()}"));
        }
        finally
        {
            python?.Dispose();
        }
    }

    /// <summary>This process's peak resident set (VmHWM), and resetting it (clear_refs 5) so it covers what follows.</summary>
    private static class PeakRss
    {
        public static bool Reset()
        {
            try
            {
                File.WriteAllText("/proc/self/clear_refs", "5");
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }

        public static long Kib() =>
            File.Exists("/proc/self/status")
                ? File.ReadLines("/proc/self/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
                    .Select(l => long.Parse(l["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)).FirstOrDefault()
                : 0;
    }

    private sealed class LoraSide : IDisposable
    {
        private readonly int _batch;
        private readonly bool _bf16;
        private readonly ClipModel _model;
        private readonly ClipClassifier _classifier;
        private readonly optim.Optimizer _optimizer;
        private readonly Tensor _pixels;
        private readonly Tensor _labels;
        private readonly double _gradClip = new TrainOptions().GradClip;

        public LoraSide(int batch, bool bf16)
        {
            _bf16 = bf16;
            _batch = batch;
            torch.manual_seed(0);
            var tokenizer = new PaddedPrompts(PromptTokenizer.Build(s_classes, s_templates), ClipContext);
            var config = VitB32 with { TextWidth = 512, TextLayers = 12, TextHeads = 8, VocabSize = ClipVocabulary, ContextLength = ClipContext };
            _model = new ClipModel(config, s_mean, s_std);
            _classifier = new ClipClassifier(_model, tokenizer, s_classes, s_templates, TrainMode.Lora, Device.CPU, new LoraOptions());
            _classifier.Train(true);
            _optimizer = Optimizers.Create(_classifier.TrainableParameters(), new OptimizerOptions());
            _pixels = torch.rand([batch, 3, 224, 224]);
            _labels = torch.randint(0, s_classes.Length, [batch]);
        }

        /// <summary>What Trainer.TrainEpoch does per batch on the CPU (autocast under train.precision: bf16).</summary>
        public void Step()
        {
            using var scope = torch.NewDisposeScope();
            Tensor loss;
            using (torch.autocast(_bf16))
            {
                loss = nn.functional.cross_entropy(_classifier.Logits(_pixels).to(ScalarType.Float32), _labels);
            }

            _optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(_optimizer.Parameters, _gradClip);
            _optimizer.step();
        }

        public LoraRound Round()
        {
            using var self = Process.GetCurrentProcess();
            var cpu = self.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            Step();
            var seconds = clock.Elapsed.TotalSeconds;
            self.Refresh();
            return new LoraRound(seconds, _batch / seconds, (self.TotalProcessorTime - cpu).TotalSeconds, PeakRss.Kib());
        }

        public void Dispose()
        {
            _optimizer.Dispose();
            _classifier.Dispose();
            _model.Dispose();
            _pixels.Dispose();
            _labels.Dispose();
        }
    }

    /// <summary>Word-level prompt ids padded with zeros to CLIP's context, as its BPE tokenizer pads every prompt to 77.</summary>
    private sealed class PaddedPrompts(PromptTokenizer inner, int context) : ITextTokenizer
    {
        public int ContextLength => context;

        public Tensor EncodeBatch(IReadOnlyList<string> texts, Device? device = null)
        {
            using var ids = inner.EncodeBatch(texts, device);
            var padded = torch.zeros([ids.size(0), context], ScalarType.Int64, device);
            padded.narrow(1, 0, ids.size(1)).copy_(ids);
            return padded;
        }
    }

    private sealed class PythonLoraSide(Options o, Candidate c, bool bf16) : ReferenceProcess(o.Python, o.Reference,
        ["--threads", $"{o.Threads}", "--blas-threads", $"{c.BlasThreads}", "--batch", $"{o.LoraBatch}", "--lora", .. bf16 ? ["--bf16"] : Array.Empty<string>()],
        environment: c.Environment)
    {
        public LoraRound Round()
        {
            var json = Ask("round");
            return new LoraRound(json.GetProperty("seconds").GetDouble(), json.GetProperty("images_per_second").GetDouble(),
                json.GetProperty("cpu_seconds").GetDouble(), json.GetProperty("peak_rss_kib").GetInt64());
        }
    }
}
