using System.Globalization;
using System.Text;

namespace ImbalanceFair.Torch.Tests.Support;

/// <summary>
/// Finite-difference gradient checks: autograd's gradient of a scalar function against central
/// differences (f(x + ε) − f(x − ε)) / 2ε for every element of every input that requires grad.
/// Inputs are float64 so ε = 1e-6 leaves ~1e-10 of rounding noise, far inside the 1e-6 tolerance.
/// </summary>
public static class GradCheck
{
    public const double Eps = 1e-6;
    public const double Tolerance = 1e-6;

    /// <summary>
    /// Checks d f(inputs) / d input for each input with requires_grad (float64); the others (targets,
    /// masks, class weights) are passed through unchanged. f must return a one-element tensor.
    /// Fails the test with the first mismatches when |analytic − numeric| &gt; 1e-6 · max(1, |numeric|).
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs) => Check(f, Tolerance, inputs);

    public static void Check(Func<Tensor[], Tensor> f, double tolerance, params Tensor[] inputs)
    {
        var wrt = Enumerable.Range(0, inputs.Length).Where(i => inputs[i].requires_grad).ToArray();
        if (wrt.Length == 0)
        {
            throw new ArgumentException("no input requires grad: nothing to check", nameof(inputs));
        }

        using var scope = torch.NewDisposeScope();
        foreach (var i in wrt)
        {
            Assert.True(inputs[i].dtype == ScalarType.Float64, $"input {i} is {inputs[i].dtype}; grad checks need Float64");
            inputs[i].zero_grad();
        }

        // Analytic: one backward pass through the scalar output.
        var y = f(inputs);
        Assert.True(y.numel() == 1, $"f must return one element, not shape [{string.Join(", ", y.shape)}]");
        y.backward();
        var analytic = new Dictionary<int, double[]>();
        foreach (var i in wrt)
        {
            var g = inputs[i].grad;
            analytic[i] = g is null ? new double[inputs[i].numel()] : g.ToArray<double>();
        }

        // Numeric: central differences, one element at a time, on fresh copies of the input.
        var failures = new StringBuilder();
        var failed = 0;
        var checkedCount = 0;
        using (torch.no_grad())
        {
            foreach (var i in wrt)
            {
                var shape = inputs[i].shape;
                var data = inputs[i].ToArray<double>();
                for (var j = 0; j < data.Length; j++)
                {
                    var saved = data[j];
                    data[j] = saved + Eps;
                    var plus = Evaluate(f, inputs, i, data, shape);
                    data[j] = saved - Eps;
                    var minus = Evaluate(f, inputs, i, data, shape);
                    data[j] = saved;
                    var numeric = (plus - minus) / (2 * Eps);
                    var a = analytic[i][j];
                    checkedCount++;
                    if (!(Math.Abs(a - numeric) <= tolerance * Math.Max(1, Math.Abs(numeric))))
                    {
                        if (++failed <= 10)
                        {
                            failures.AppendLine(CultureInfo.InvariantCulture,
                                $"  input {i} element {j}: autograd {a:R}, numeric {numeric:R}, |diff| {Math.Abs(a - numeric):E2}");
                        }
                    }
                }
            }
        }

        if (failed > 0)
        {
            Assert.Fail($"gradient check failed for {failed} of {checkedCount} elements (tolerance {tolerance:E1}):\n{failures}");
        }
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, Tensor[] inputs, int replace, double[] data, long[] shape)
    {
        using var scope = torch.NewDisposeScope();
        var args = (Tensor[])inputs.Clone();
        args[replace] = torch.from_array<double>(data, shape);
        return f(args).item();
    }

    /// <summary>
    /// A scalar that depends on every element of <paramref name="y"/> with distinct weights cos(0.7 i + 0.3):
    /// sum() or a sum of squares would hide errors in ops whose outputs have a fixed sum or norm
    /// (softmax, layer_norm, normalize).
    /// </summary>
    public static Tensor WeightedSum(Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        var w = torch.arange(0, y.numel(), 1, y.dtype).mul(0.7).add(0.3).cos().reshape(y.shape);
        return (y * w).sum().MoveToOuterDisposeScope();
    }
}
