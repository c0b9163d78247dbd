using Lowbit.Nn.Layers.Recurrent;
using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests.Recurrent;

/// <summary>
/// Independent oracle: LSTM and GRU unrolled step by step from ordinary autograd ops (per-gate weight slices, Sigmoid,
/// Tanh, Mul, Add), quantizers applied as ordinary modules at the same sites. Gradients come from the generic autograd,
/// not from the fused ops' hand-written backward.
/// </summary>
internal static class RecurrentReference
{
    /// <summary>Quantizers of one reference run (separate instances from the layer's; stateless quantizers give equal values).</summary>
    public sealed record Sites(Quantizer? Weight = null, Quantizer? Input = null, Quantizer? Gate = null, Quantizer? Candidate = null, Quantizer? Hidden = null);

    /// <summary>Per-step outputs [B, H] of the top layer of <paramref name="layer"/> (an Lstm or Gru) run over x [T, B, in].</summary>
    public static List<Tensor> Run(RecurrentLayer layer, Tensor x, Tensor? h0, Tensor? c0, Sites? sites = null)
    {
        sites ??= new Sites();
        int steps = x.Dim(0), batch = x.Dim(1), h = layer.HiddenSize;
        var inputs = Enumerable.Range(0, steps).Select(t => x.Narrow(t, 1).Reshape(batch, x.Dim(2))).ToList();
        if (sites.Input is not null) inputs = inputs.Select(v => Q(sites.Input, v)).ToList();
        for (int l = 0; l < layer.Layers; l++)
        {
            var wih = Q(sites.Weight, layer.WeightIh(l).Value);
            var whh = Q(sites.Weight, layer.WeightHh(l).Value);
            var bih = layer.BiasIh(l).Value;
            var bhh = layer.BiasHh(l).Value;
            var hPrev = h0 is null ? Tensor.Zeros(x.DType, batch, h) : h0.Narrow(l, 1).Reshape(batch, h);
            var cPrev = c0 is null ? Tensor.Zeros(x.DType, batch, h) : c0.Narrow(l, 1).Reshape(batch, h);
            var outputs = new List<Tensor>();
            foreach (var xt in inputs)
            {
                Tensor Pre(int k, bool withHidden = true) => withHidden
                    ? Tensor.Add(Tensor.Linear(xt, wih.Narrow(k * h, h), bih.Narrow(k * h, h)), Tensor.Linear(hPrev, whh.Narrow(k * h, h), bhh.Narrow(k * h, h)))
                    : Tensor.Linear(xt, wih.Narrow(k * h, h), bih.Narrow(k * h, h));
                if (layer.HasCell)
                {
                    var i = Q(sites.Gate, Tensor.Sigmoid(Pre(0)));
                    var f = Q(sites.Gate, Tensor.Sigmoid(Pre(1)));
                    var g = Q(sites.Candidate, Tensor.Tanh(Pre(2)));
                    var o = Q(sites.Gate, Tensor.Sigmoid(Pre(3)));
                    cPrev = Tensor.Add(Tensor.Mul(f, cPrev), Tensor.Mul(i, g));
                    hPrev = Q(sites.Hidden, Tensor.Mul(o, Tensor.Tanh(cPrev)));
                }
                else
                {
                    var r = Q(sites.Gate, Tensor.Sigmoid(Pre(0)));
                    var z = Q(sites.Gate, Tensor.Sigmoid(Pre(1)));
                    var hn = Tensor.Linear(hPrev, whh.Narrow(2 * h, h), bhh.Narrow(2 * h, h));
                    var n = Q(sites.Candidate, Tensor.Tanh(Tensor.Add(Pre(2, withHidden: false), Tensor.Mul(r, hn))));
                    hPrev = Q(sites.Hidden, Tensor.Add(Tensor.Sub(n, Tensor.Mul(z, n)), Tensor.Mul(z, hPrev)));
                }

                outputs.Add(hPrev);
            }

            inputs = outputs;
        }

        return inputs;
    }

    private static Tensor Q(Quantizer? quantizer, Tensor x) => quantizer is null ? x : quantizer.Quantize(x, QuantizerContext.Eval with { Training = true });

    /// <summary>Σ_t Σ out_t ⊙ w_t: a scalar objective with every output weighted (w fixed by <paramref name="seed"/>).</summary>
    public static Tensor Objective(IReadOnlyList<Tensor> perStep, int seed)
    {
        var rng = new Random(seed);
        Tensor? total = null;
        foreach (var o in perStep)
        {
            var w = Tensor.RandomUniform(rng, 0.5, 1.5, o.Shape.ToArray(), o.DType);
            var term = Tensor.Sum(Tensor.Mul(o, w));
            total = total is null ? term : Tensor.Add(total, term);
        }

        return total!;
    }

    /// <summary>The per-step outputs [B, H] of a [T, B, H] tensor.</summary>
    public static List<Tensor> Steps(Tensor output) =>
        Enumerable.Range(0, output.Dim(0)).Select(t => output.Narrow(t, 1).Reshape(output.Dim(1), output.Dim(2))).ToList();
}
