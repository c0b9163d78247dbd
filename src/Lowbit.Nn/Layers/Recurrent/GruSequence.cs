using System.Numerics;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Nn.Layers.Recurrent;

/// <summary>
/// One GRU layer over a whole window of T steps as a single autograd op (forward recurrence, backward through time).
/// </summary>
/// <remarks>
/// Per step t (gate columns in PyTorch order [r, z, n], each H wide): hh = h_{t−1}·W_hhᵀ + b_hh;
/// r = σ(xproj_r + hh_r), z = σ(xproj_z + hh_z) (then the gate quantizer), n = tanh(xproj_n + r ⊙ hh_n) (then the
/// candidate quantizer), h_t = q_h((1 − z) ⊙ n + z ⊙ h_{t−1}). The input projection xproj = x·W_ihᵀ + b_ih is
/// computed for all steps beforehand by the caller; b_hh stays inside because r multiplies hh_n.
/// Inputs: xproj [T·B, 3H], W_hh [3H, H], b_hh [3H], h0 [B, H]; output h [T·B, H] (time-major rows t·B + b).
/// </remarks>
internal static class GruSequence
{
    /// <summary>Runs the layer; <paramref name="finalHidden"/> receives h_T (a detached copy).</summary>
    public static Tensor Forward(Tensor xproj, Tensor whh, Tensor bhh, Tensor h0, int steps, int batch, RecurrentSites sites, out Tensor finalHidden)
    {
        if (xproj.DType == DType.Float64) return Forward<double>(xproj, whh, bhh, h0, steps, batch, sites, out finalHidden);
        return Forward<float>(xproj, whh, bhh, h0, steps, batch, sites, out finalHidden);
    }

    private sealed record Saved(Tensor Raw, Tensor Used, Tensor HiddenProjection, Tensor Output, QuantizedStep?[] GateSteps, QuantizedStep?[] CandidateSteps, QuantizedStep?[] HiddenSteps);

    private static Tensor Forward<T>(Tensor xproj, Tensor whh, Tensor bhh, Tensor h0, int steps, int batch, RecurrentSites sites, out Tensor finalHidden)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = whh.Dim(1), g = 3 * h, n = steps * batch, bh = batch * h, bg = batch * g;
        bool record = GradMode.IsEnabled && (xproj.TracksGrad || whh.TracksGrad || bhh.TracksGrad || h0.TracksGrad);
        bool quantizedGates = sites.Gate is not null || sites.Candidate is not null;
        // Step buffers (recycled by the trainer's TensorArena at the next step): every element is written below.
        var rawTensor = Tensor.Empty(xproj.DType, n, g);                              // [T·B, 3H]: raw activations r, z, n
        var usedTensor = quantizedGates ? Tensor.Empty(xproj.DType, n, g) : rawTensor;
        var hiddenProjectionTensor = Tensor.Empty(xproj.DType, n, g);                 // hh = h_{t−1}·W_hhᵀ + b_hh per step
        var outputTensor = Tensor.Empty(xproj.DType, n, h);
        xproj.Span<T>().CopyTo(rawTensor.Span<T>());
        Span<T> raw = rawTensor.Span<T>(), used = usedTensor.Span<T>(), hiddenProjection = hiddenProjectionTensor.Span<T>(), output = outputTensor.Span<T>();
        var gateSteps = new QuantizedStep?[steps];
        var candidateSteps = new QuantizedStep?[steps];
        var hiddenSteps = new QuantizedStep?[steps];
        var w = whh.Span<T>();
        var bias = bhh.Span<T>();
        int[] gateBlocks = [0, h], candidateBlock = [2 * h];
        for (int t = 0; t < steps; t++)
        {
            var a = raw.Slice(t * bg, bg);
            var q = used.Slice(t * bg, bg);
            var hh = hiddenProjection.Slice(t * bg, bg);
            ReadOnlySpan<T> hPrev = t == 0 ? h0.Span<T>() : output.Slice((t - 1) * bh, bh);
            for (int b = 0; b < batch; b++) bias.CopyTo(hh.Slice(b * g, g));
            RecurrentMath.Gemm<T>(false, true, batch, g, h, hPrev, h, w, h, T.One, hh, g);
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < 2 * h; j++) a[b * g + j] += hh[b * g + j];
            RecurrentMath.Sigmoid(a, batch, g, 0, 2 * h);
            if (quantizedGates)
            {
                for (int b = 0; b < batch; b++) a.Slice(b * g, 2 * h).CopyTo(q.Slice(b * g, 2 * h));
                gateSteps[t] = RecurrentMath.QuantizeBlocks(sites.Gate, q, batch, g, gateBlocks, h, record);
            }

            for (int b = 0; b < batch; b++)
            {
                var candidate = a.Slice(b * g + 2 * h, h);
                for (int j = 0; j < h; j++) candidate[j] += q[b * g + j] * hh[b * g + 2 * h + j];
                System.Numerics.Tensors.TensorPrimitives.Tanh<T>(candidate, candidate);
            }
            if (quantizedGates)
            {
                for (int b = 0; b < batch; b++) a.Slice(b * g + 2 * h, h).CopyTo(q.Slice(b * g + 2 * h, h));
                candidateSteps[t] = RecurrentMath.QuantizeBlocks(sites.Candidate, q, batch, g, candidateBlock, h, record);
            }

            var o = output.Slice(t * bh, bh);
            for (int b = 0; b < batch; b++)
            {
                var row = q.Slice(b * g, g);
                for (int j = 0; j < h; j++)
                {
                    int k = b * h + j;
                    T z = row[h + j];
                    o[k] = (T.One - z) * row[2 * h + j] + z * hPrev[k];
                }
            }

            hiddenSteps[t] = sites.Hidden?.Apply<T>(o, batch, h, record);
        }

        finalHidden = RecurrentMath.ToTensor(output.Slice((steps - 1) * bh, bh).ToArray(), batch, h); // own memory: outlives the step
        var result = outputTensor;
        if (!record) return result;
        var saved = new Saved(rawTensor, usedTensor, hiddenProjectionTensor, outputTensor, gateSteps, candidateSteps, hiddenSteps);
        return GradGraph.Record(result, "GruSequence", [xproj, whh, bhh, h0], gOut => Backward<T>(gOut, xproj, whh, bhh, h0, steps, batch, sites, saved));
    }

    private static Tensor?[] Backward<T>(Tensor gOut, Tensor xproj, Tensor whh, Tensor bhh, Tensor h0, int steps, int batch, RecurrentSites sites, Saved s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = whh.Dim(1), g = 3 * h, n = steps * batch, bh = batch * h, bg = batch * g;
        var dInputTensor = Tensor.Empty(xproj.DType, n, g);  // ∂L/∂xproj: [r, z, n] pre-activations (every step's rows written)
        var dHiddenTensor = Tensor.Empty(xproj.DType, n, g); // ∂L/∂hh: [r, z, r ⊙ ∂n]
        Span<T> dInput = dInputTensor.Span<T>(), dHidden = dHiddenTensor.Span<T>();
        var dh = new T[bh];          // ∂L/∂h_q(t) from the recurrence
        var dhRaw = new T[bh];
        var go = gOut.Span<T>();
        var w = whh.Span<T>();
        int[] gateBlocks = [0, h], candidateBlock = [2 * h];
        for (int t = steps - 1; t >= 0; t--)
        {
            for (int k = 0; k < bh; k++) dhRaw[k] = go[t * bh + k] + dh[k];
            if (sites.Hidden is not null) StepQuantizer.Backward(s.HiddenSteps[t], dhRaw.AsSpan());
            ReadOnlySpan<T> hPrev = t == 0 ? h0.Span<T>() : s.Output.Span<T>().Slice((t - 1) * bh, bh);
            var q = s.Used.Span<T>().Slice(t * bg, bg);
            var a = s.Raw.Span<T>().Slice(t * bg, bg);
            var hh = s.HiddenProjection.Span<T>().Slice(t * bg, bg);
            var d = dInput.Slice(t * bg, bg);
            var dhh = dHidden.Slice(t * bg, bg);
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < h; j++)
                {
                    int k = b * h + j, r = b * g + j;
                    d[r + 2 * h] = dhRaw[k] * (T.One - q[r + h]);       // ∂L/∂n
                    d[r + h] = dhRaw[k] * (hPrev[k] - q[r + 2 * h]);     // ∂L/∂z
                    dh[k] = dhRaw[k] * q[r + h];                         // direct path to h_{t−1}
                }

            RecurrentMath.BackwardBlocks(sites.Candidate, s.CandidateSteps[t], d, batch, g, candidateBlock, h);
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < h; j++)
                {
                    int r = b * g + j;
                    T dn = d[r + 2 * h] * (T.One - a[r + 2 * h] * a[r + 2 * h]);
                    d[r + 2 * h] = dn;
                    d[r] = dn * hh[r + 2 * h];                           // ∂L/∂r
                    dhh[r + 2 * h] = dn * q[r];
                }

            RecurrentMath.BackwardBlocks(sites.Gate, s.GateSteps[t], d, batch, g, gateBlocks, h);
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < 2 * h; j++)
                {
                    int r = b * g + j;
                    d[r] *= a[r] * (T.One - a[r]);
                    dhh[r] = d[r];
                }

            RecurrentMath.Gemm<T>(false, false, batch, h, g, dhh, g, w, h, T.One, dh, h);
        }

        Tensor? dW = null, dB = null;
        if (whh.TracksGrad)
        {
            var previous = Tensor.Empty(xproj.DType, n, h); // h_{t−1} for every step: h0, then the outputs of steps 0..T−2
            h0.Span<T>().CopyTo(previous.Span<T>());
            s.Output.Span<T>().Slice(0, n * h - bh).CopyTo(previous.Span<T>().Slice(bh));
            dW = Tensor.Empty(xproj.DType, g, h);
            RecurrentMath.Gemm<T>(true, false, g, h, n, dHiddenTensor.Span<T>(), g, previous.Span<T>(), h, T.Zero, dW.Span<T>(), h);
        }

        if (bhh.TracksGrad)
        {
            var db = new T[g];
            for (int r = 0; r < n; r++)
                for (int j = 0; j < g; j++) db[j] += dHidden[r * g + j];
            dB = RecurrentMath.ToTensor(db, g);
        }

        return [
            xproj.TracksGrad ? dInputTensor : null,
            dW,
            dB,
            h0.TracksGrad ? RecurrentMath.ToTensor(dh, batch, h) : null];
    }
}
