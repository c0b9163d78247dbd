using System.Numerics;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Nn.Layers.Recurrent;

/// <summary>
/// One LSTM layer over a whole window of T steps as a single autograd op: forward runs the recurrence, backward runs
/// back-propagation through time over the window (the whole window's recurrent weight gradient is one GEMM).
/// </summary>
/// <remarks>
/// Per step t (rows = B streams, gate columns in PyTorch order [i, f, g, o], each H wide):
/// a = [σ, σ, tanh, σ](xproj_t + h_{t−1}·W_hhᵀ); (i, f, g, o) = quantized a (gate quantizer on i, f, o; candidate
/// quantizer on g; identity where none); c_t = f ⊙ c_{t−1} + i ⊙ g; h_t = q_h(o ⊙ tanh(c_t)). The input projection
/// xproj = x·W_ihᵀ + b_ih + b_hh is computed for all steps beforehand by the caller (one GEMM). The cell state c is
/// not quantized. Backward applies each quantizer's own surrogate gradient at its site (see <see cref="StepQuantizer"/>).
/// Inputs: xproj [T·B, 4H], W_hh [4H, H], h0 [B, H], c0 [B, H]; output h [T·B, H] (time-major rows t·B + b).
/// </remarks>
internal static class LstmSequence
{
    /// <summary>Runs the layer; <paramref name="finalHidden"/> and <paramref name="finalCell"/> receive h_T and c_T (detached copies).</summary>
    public static Tensor Forward(Tensor xproj, Tensor whh, Tensor h0, Tensor c0, int steps, int batch, RecurrentSites sites, out Tensor finalHidden, out Tensor finalCell)
    {
        if (xproj.DType == DType.Float64) return Forward<double>(xproj, whh, h0, c0, steps, batch, sites, out finalHidden, out finalCell);
        return Forward<float>(xproj, whh, h0, c0, steps, batch, sites, out finalHidden, out finalCell);
    }

    private static Tensor Forward<T>(Tensor xproj, Tensor whh, Tensor h0, Tensor c0, int steps, int batch, RecurrentSites sites, out Tensor finalHidden, out Tensor finalCell)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = whh.Dim(1), g = 4 * h, n = steps * batch, bh = batch * h, bg = batch * g;
        bool record = GradMode.IsEnabled && (xproj.TracksGrad || whh.TracksGrad || h0.TracksGrad || c0.TracksGrad);
        bool quantizedGates = sites.Gate is not null || sites.Candidate is not null;
        // Step buffers (recycled by the trainer's TensorArena at the next step): every element is written below.
        var raw = Tensor.Empty(xproj.DType, n, g);                          // pre-activations, then raw activations a
        var used = quantizedGates ? Tensor.Empty(xproj.DType, n, g) : raw;  // the (quantized) activations the cell uses
        var cells = Tensor.Empty(xproj.DType, n, h);
        var tanhCells = Tensor.Empty(xproj.DType, n, h);
        var output = Tensor.Empty(xproj.DType, n, h);
        xproj.Span<T>().CopyTo(raw.Span<T>());
        var gateSteps = new QuantizedStep?[steps];
        var candidateSteps = new QuantizedStep?[steps];
        var hiddenSteps = new QuantizedStep?[steps];
        int[] sigmoidBlocks = [0, h, 3 * h], candidateBlock = [2 * h];
        for (int t = 0; t < steps; t++)
        {
            var a = raw.Span<T>().Slice(t * bg, bg);
            var outputs = output.Span<T>();
            ReadOnlySpan<T> hPrev = t == 0 ? h0.Span<T>() : outputs.Slice((t - 1) * bh, bh);
            ReadOnlySpan<T> cPrev = t == 0 ? c0.Span<T>() : cells.Span<T>().Slice((t - 1) * bh, bh);
            RecurrentMath.Gemm<T>(false, true, batch, g, h, hPrev, h, whh.Span<T>(), h, T.One, a, g);
            RecurrentMath.Sigmoid(a, batch, g, 0, 2 * h);
            RecurrentMath.Tanh(a, batch, g, 2 * h, h);
            RecurrentMath.Sigmoid(a, batch, g, 3 * h, h);
            var q = used.Span<T>().Slice(t * bg, bg);
            if (quantizedGates)
            {
                a.CopyTo(q);
                gateSteps[t] = RecurrentMath.QuantizeBlocks(sites.Gate, q, batch, g, sigmoidBlocks, h, record);
                candidateSteps[t] = RecurrentMath.QuantizeBlocks(sites.Candidate, q, batch, g, candidateBlock, h, record);
            }

            var c = cells.Span<T>().Slice(t * bh, bh);
            var tc = tanhCells.Span<T>().Slice(t * bh, bh);
            var o = outputs.Slice(t * bh, bh);
            for (int b = 0; b < batch; b++)
                LstmCell.Forward(q.Slice(b * g, g), cPrev.Slice(b * h, h), c.Slice(b * h, h), tc.Slice(b * h, h), o.Slice(b * h, h));
            hiddenSteps[t] = sites.Hidden?.Apply<T>(o, batch, h, record);
        }

        finalHidden = RecurrentMath.ToTensor(output.Span<T>().Slice((steps - 1) * bh, bh).ToArray(), batch, h); // own memory: outlives the step
        finalCell = RecurrentMath.ToTensor(cells.Span<T>().Slice((steps - 1) * bh, bh).ToArray(), batch, h);
        if (!record) return output;
        var saved = new Saved(raw, used, cells, tanhCells, output, gateSteps, candidateSteps, hiddenSteps);
        return GradGraph.Record(output, "LstmSequence", [xproj, whh, h0, c0], gOut => Backward<T>(gOut, xproj, whh, h0, c0, steps, batch, sites, saved));
    }

    private sealed record Saved(Tensor Raw, Tensor Used, Tensor Cells, Tensor TanhCells, Tensor Output, QuantizedStep?[] GateSteps, QuantizedStep?[] CandidateSteps, QuantizedStep?[] HiddenSteps);

    private static Tensor?[] Backward<T>(Tensor gOut, Tensor xproj, Tensor whh, Tensor h0, Tensor c0, int steps, int batch, RecurrentSites sites, Saved s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = whh.Dim(1), g = 4 * h, n = steps * batch, bh = batch * h, bg = batch * g;
        var dGates = Tensor.Empty(xproj.DType, n, g); // every step's rows are written before they are read
        var dh = new T[bh];   // ∂L/∂h_q(t) from the recurrence
        var dc = new T[bh];   // ∂L/∂c(t) from the recurrence
        var dhRaw = new T[bh];
        int[] sigmoidBlocks = [0, h, 3 * h], candidateBlock = [2 * h];
        for (int t = steps - 1; t >= 0; t--)
        {
            TensorPrimitivesAdd(gOut.Span<T>().Slice(t * bh, bh), dh, dhRaw);
            if (sites.Hidden is not null) StepQuantizer.Backward(s.HiddenSteps[t], dhRaw.AsSpan());
            ReadOnlySpan<T> cPrev = t == 0 ? c0.Span<T>() : s.Cells.Span<T>().Slice((t - 1) * bh, bh);
            var q = s.Used.Span<T>().Slice(t * bg, bg);
            var a = s.Raw.Span<T>().Slice(t * bg, bg);
            var tc = s.TanhCells.Span<T>().Slice(t * bh, bh);
            var d = dGates.Span<T>().Slice(t * bg, bg);
            for (int b = 0; b < batch; b++)
                LstmCell.Backward(q.Slice(b * g, g), cPrev.Slice(b * h, h), tc.Slice(b * h, h), dhRaw.AsSpan(b * h, h), dc.AsSpan(b * h, h), d.Slice(b * g, g));
            RecurrentMath.BackwardBlocks(sites.Gate, s.GateSteps[t], d, batch, g, sigmoidBlocks, h);
            RecurrentMath.BackwardBlocks(sites.Candidate, s.CandidateSteps[t], d, batch, g, candidateBlock, h);
            for (int b = 0; b < batch; b++)
                LstmCell.ActivationBackward(a.Slice(b * g, g), d.Slice(b * g, g));
            RecurrentMath.Gemm<T>(false, false, batch, h, g, d, g, whh.Span<T>(), h, T.Zero, dh, h);
        }

        Tensor? dW = null;
        if (whh.TracksGrad)
        {
            var previous = Tensor.Empty(xproj.DType, n, h); // h_{t−1} for every step: h0, then the outputs of steps 0..T−2
            h0.Span<T>().CopyTo(previous.Span<T>());
            s.Output.Span<T>().Slice(0, n * h - bh).CopyTo(previous.Span<T>().Slice(bh));
            dW = Tensor.Empty(xproj.DType, g, h);
            RecurrentMath.Gemm<T>(true, false, g, h, n, dGates.Span<T>(), g, previous.Span<T>(), h, T.Zero, dW.Span<T>(), h);
        }

        return [
            xproj.TracksGrad ? dGates : null,
            dW,
            h0.TracksGrad ? RecurrentMath.ToTensor(dh, batch, h) : null,
            c0.TracksGrad ? RecurrentMath.ToTensor(dc, batch, h) : null];
    }

    private static void TensorPrimitivesAdd<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T> =>
        System.Numerics.Tensors.TensorPrimitives.Add(x, y, destination);
}

/// <summary>The step quantizers of one stacked layer (null where the site stays in float).</summary>
/// <param name="Gate">Sigmoid gates.</param>
/// <param name="Candidate">tanh candidate.</param>
/// <param name="Hidden">Hidden state.</param>
internal sealed record RecurrentSites(StepQuantizer? Gate, StepQuantizer? Candidate, StepQuantizer? Hidden)
{
    /// <summary>No quantization.</summary>
    public static RecurrentSites None { get; } = new(null, null, null);
}
