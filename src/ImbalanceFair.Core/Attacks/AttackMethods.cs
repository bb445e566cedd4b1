using ImbalanceFair.Torch;

namespace ImbalanceFair.Core.Attacks;

/// <summary>One attack's inputs: the model's logits, clean pixels in [0, 1], labels, per-sample budget and step size.</summary>
public sealed record AttackCall(Func<Tensor, Tensor> Logits, Tensor Images, Tensor Labels, Tensor Eps, Tensor Alpha, int Steps, AttackNorm Norm, bool RandomStart);

/// <summary>
/// The registry of attacks by name (<c>eval.attack.name</c>, and the adversarial strategies <c>fgsm</c>/<c>pgd</c>).
/// A single-step attack reads only ε and the norm: step size, steps and random start do not apply to it.
/// </summary>
public static class AttackMethods
{
    private static readonly (string Name, bool MultiStep, Func<AttackCall, Tensor> Run)[] s_rows =
    [
        ("fgsm", false, c => Attack.Fgsm(c.Logits, c.Images, c.Labels, c.Eps, c.Norm)),
        ("pgd", true, c => Attack.Pgd(c.Logits, c.Images, c.Labels, c.Eps, c.Alpha, c.Steps, c.Norm, c.RandomStart)),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. s_rows.Select(r => r.Name)];

    public static bool IsMultiStep(string name) => Row(name).MultiStep;

    /// <summary>The adversarial images (float, in [0, 1]) of <paramref name="call"/> under attack <paramref name="name"/>.</summary>
    public static Tensor Run(string name, AttackCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return Row(name).Run(call);
    }

    private static (string Name, bool MultiStep, Func<AttackCall, Tensor> Run) Row(string name) =>
        s_rows.FirstOrDefault(r => r.Name == name) is { Name: not null } row ? row
        : throw new ArgumentException($"unknown attack '{name}' (known: {string.Join(", ", Names)})", nameof(name));
}
