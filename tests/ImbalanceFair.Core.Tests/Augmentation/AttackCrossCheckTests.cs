using System.Globalization;
using ImbalanceFair.Core.Attacks;
using ImbalanceFair.Core.Data;
using ImbalanceFair.Core.Tests.Support;
using ImbalanceFair.Tests.Shared;
using ImbalanceFair.Torch;
using F = ImbalanceFair.Torch.nn.functional;

namespace ImbalanceFair.Core.Tests.Augmentation;

/// <summary>
/// Our FGSM / PGD / PGDL2 against the same algorithms in PyTorch, written line for line after torchattacks' forward()
/// (torchattacks is not packaged for Debian), on a fixed linear model, without random start so that both are
/// deterministic.
/// </summary>
public class AttackCrossCheckTests
{
    private const int B = 8, C = 3, H = 4, W = 4, K = 5;

    private const string Reference = """
        import sys
        import numpy as np
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        folder, kind = sys.argv[1], sys.argv[2]
        eps, alpha, steps = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
        B, C, H, W, K = (int(v) for v in sys.argv[6:11])
        torch.set_num_threads(1)

        def load(name, dtype, shape):
            return torch.from_numpy(np.fromfile(f"{folder}/{name}", dtype=dtype).reshape(shape))

        weight, bias = load("w.bin", np.float32, (K, C * H * W)), load("b.bin", np.float32, (K,))
        images, labels = load("x.bin", np.float32, (B, C, H, W)), load("y.bin", np.int64, (B,))

        class Linear(nn.Module):
            def forward(self, x):
                return F.linear(torch.flatten(x, 1), weight, bias)

        model = Linear().eval()
        loss = nn.CrossEntropyLoss()

        def fgsm(images, labels):  # torchattacks.FGSM.forward
            images = images.clone().detach()
            images.requires_grad = True
            cost = loss(model(images), labels)
            grad = torch.autograd.grad(cost, images, retain_graph=False, create_graph=False)[0]
            adv_images = images + eps * grad.sign()
            return torch.clamp(adv_images, min=0, max=1).detach()

        def pgd(images, labels):  # torchattacks.PGD.forward, random_start=False
            images = images.clone().detach()
            adv_images = images.clone().detach()
            for _ in range(steps):
                adv_images.requires_grad = True
                cost = loss(model(adv_images), labels)
                grad = torch.autograd.grad(cost, adv_images, retain_graph=False, create_graph=False)[0]
                adv_images = adv_images.detach() + alpha * grad.sign()
                delta = torch.clamp(adv_images - images, min=-eps, max=eps)
                adv_images = torch.clamp(images + delta, min=0, max=1).detach()
            return adv_images

        def pgdl2(images, labels):  # torchattacks.PGDL2.forward, random_start=False
            images = images.clone().detach()
            adv_images = images.clone().detach()
            batch_size = len(images)
            for _ in range(steps):
                adv_images.requires_grad = True
                cost = loss(model(adv_images), labels)
                grad = torch.autograd.grad(cost, adv_images, retain_graph=False, create_graph=False)[0]
                grad_norms = torch.norm(grad.view(batch_size, -1), p=2, dim=1) + 1e-10
                grad = grad / grad_norms.view(batch_size, 1, 1, 1)
                adv_images = adv_images.detach() + alpha * grad
                delta = adv_images - images
                delta_norms = torch.norm(delta.view(batch_size, -1), p=2, dim=1)
                factor = eps / delta_norms
                factor = torch.min(factor, torch.ones_like(delta_norms))
                delta = delta * factor.view(-1, 1, 1, 1)
                adv_images = torch.clamp(images + delta, min=0, max=1).detach()
            return adv_images

        adv = {"fgsm": fgsm, "pgd": pgd, "pgdl2": pgdl2}[kind](images, labels)
        adv.numpy().astype(np.float32).tofile(f"{folder}/adv.bin")
        print("ok")
        """;

    [Theory]
    [InlineData("pgd", 8.0 / 255, 2.0 / 255, 10)]
    [InlineData("pgd", 16.0 / 255, 1.0 / 255, 20)]
    [InlineData("pgdl2", 0.5, 0.1, 10)]
    [InlineData("pgdl2", 0.3, 0.2, 7)]
    [InlineData("fgsm", 8.0 / 255, 0, 1)]
    public void Our_attack_matches_the_torchattacks_algorithm_in_pytorch(string kind, double eps, double alpha, int steps)
    {
        using var dir = new TempDir();
        var rng = new SeededRandom(42);
        float Uniform(double lo, double hi) => (float)(lo + ((hi - lo) * rng.NextDouble()));
        var weight = Enumerable.Range(0, K * C * H * W).Select(_ => Uniform(-1, 1)).ToArray();
        var bias = Enumerable.Range(0, K).Select(_ => Uniform(-0.5, 0.5)).ToArray();
        // Some pixels near the edges of [0, 1] so that the range clamp matters too.
        var pixels = Enumerable.Range(0, B * C * H * W).Select(i => i % 7 == 0 ? Uniform(0, 0.02) : i % 11 == 0 ? Uniform(0.98, 1) : Uniform(0.05, 0.95)).ToArray();
        var labels = Enumerable.Range(0, B).Select(i => (long)(i % K)).ToArray();
        Write(dir.File("w.bin"), weight);
        Write(dir.File("b.bin"), bias);
        Write(dir.File("x.bin"), pixels);
        File.WriteAllBytes(dir.File("y.bin"), labels.SelectMany(BitConverter.GetBytes).ToArray());

        var inv = CultureInfo.InvariantCulture;
        Assert.Contains("ok", Python.Run(Reference, dir.Path, kind, eps.ToString("R", inv), alpha.ToString("R", inv), steps.ToString(inv),
            $"{B}", $"{C}", $"{H}", $"{W}", $"{K}"), StringComparison.Ordinal);
        var expected = Read(dir.File("adv.bin"));

        using var scope = torch.NewDisposeScope();
        var w = torch.tensor(weight, [K, C * H * W]);
        var b = torch.tensor(bias);
        var x = torch.tensor(pixels, [B, C, H, W]);
        var y = torch.tensor(labels);
        Tensor Logits(Tensor input) => F.linear(input.flatten(1), w, b);
        var e = torch.full([B], eps);
        var adv = kind switch
        {
            "fgsm" => Attack.Fgsm(Logits, x, y, e, AttackNorm.Linf),
            "pgd" => Attack.Pgd(Logits, x, y, e, torch.full([B], alpha), steps, AttackNorm.Linf, randomStart: false),
            _ => Attack.Pgd(Logits, x, y, e, torch.full([B], alpha), steps, AttackNorm.L2, randomStart: false),
        };
        var actual = adv.ToArray<float>();

        var worst = actual.Zip(expected, (a, r) => Math.Abs(a - r)).Max();
        Assert.True(worst <= 1e-6, $"{kind}: largest difference from the PyTorch reference {worst:E2}");
        var moved = actual.Zip(pixels, (a, p) => Math.Abs(a - p)).Max();
        Assert.True(moved > 0.01, $"{kind}: the attack barely moved the images ({moved})");
    }

    private static void Write(string path, float[] values) => File.WriteAllBytes(path, values.SelectMany(BitConverter.GetBytes).ToArray());

    private static float[] Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Enumerable.Range(0, bytes.Length / 4).Select(i => BitConverter.ToSingle(bytes, i * 4)).ToArray();
    }
}
