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
        var raw = xproj.Span<T>().ToArray();          // [T·B, 4H]: pre-activations, then raw activations a
        var used = quantizedGates ? new T[n * g] : raw; // the (quantized) activations the cell uses
        var cells = new T[n * h];
        var tanhCells = new T[n * h];
        var output = new T[n * h];
        var gateSteps = new QuantizedStep?[steps];
        var candidateSteps = new QuantizedStep?[steps];
        var hiddenSteps = new QuantizedStep?[steps];
        var w = whh.Span<T>();
        int[] sigmoidBlocks = [0, h, 3 * h], candidateBlock = [2 * h];
        for (int t = 0; t < steps; t++)
        {
            var a = raw.AsSpan(t * bg, bg);
            ReadOnlySpan<T> hPrev = t == 0 ? h0.Span<T>() : output.AsSpan((t - 1) * bh, bh);
            ReadOnlySpan<T> cPrev = t == 0 ? c0.Span<T>() : cells.AsSpan((t - 1) * bh, bh);
            RecurrentMath.Gemm<T>(false, true, batch, g, h, hPrev, h, w, h, T.One, a, g);
            RecurrentMath.Sigmoid(a, batch, g, 0, 2 * h);
            RecurrentMath.Tanh(a, batch, g, 2 * h, h);
            RecurrentMath.Sigmoid(a, batch, g, 3 * h, h);
            var q = used.AsSpan(t * bg, bg);
            if (quantizedGates)
            {
                a.CopyTo(q);
                gateSteps[t] = RecurrentMath.QuantizeBlocks(sites.Gate, q, batch, g, sigmoidBlocks, h, record);
                candidateSteps[t] = RecurrentMath.QuantizeBlocks(sites.Candidate, q, batch, g, candidateBlock, h, record);
            }

            var c = cells.AsSpan(t * bh, bh);
            var tc = tanhCells.AsSpan(t * bh, bh);
            var o = output.AsSpan(t * bh, bh);
            for (int b = 0; b < batch; b++)
            {
                var row = q.Slice(b * g, g);
                for (int j = 0; j < h; j++)
                {
                    int k = b * h + j;
                    c[k] = row[h + j] * cPrev[k] + row[j] * row[2 * h + j];
                    tc[k] = T.Tanh(c[k]);
                    o[k] = row[3 * h + j] * tc[k];
                }
            }

            hiddenSteps[t] = sites.Hidden?.Apply<T>(o, batch, h, record);
        }

        finalHidden = RecurrentMath.ToTensor(output.AsSpan((steps - 1) * bh, bh).ToArray(), batch, h);
        finalCell = RecurrentMath.ToTensor(cells.AsSpan((steps - 1) * bh, bh).ToArray(), batch, h);
        var result = RecurrentMath.ToTensor(output, n, h);
        if (!record) return result;
        var saved = new Saved<T>(raw, used, cells, tanhCells, output, gateSteps, candidateSteps, hiddenSteps);
        return GradGraph.Record(result, "LstmSequence", [xproj, whh, h0, c0], gOut => Backward<T>(gOut, xproj, whh, h0, c0, steps, batch, sites, saved));
    }

    private sealed record Saved<T>(T[] Raw, T[] Used, T[] Cells, T[] TanhCells, T[] Output, QuantizedStep?[] GateSteps, QuantizedStep?[] CandidateSteps, QuantizedStep?[] HiddenSteps);

    private static Tensor?[] Backward<T>(Tensor gOut, Tensor xproj, Tensor whh, Tensor h0, Tensor c0, int steps, int batch, RecurrentSites sites, Saved<T> s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = whh.Dim(1), g = 4 * h, n = steps * batch, bh = batch * h, bg = batch * g;
        var dGates = new T[n * g];
        var dh = new T[bh];   // ∂L/∂h_q(t) from the recurrence
        var dc = new T[bh];   // ∂L/∂c(t) from the recurrence
        var dhRaw = new T[bh];
        var go = gOut.Span<T>();
        var w = whh.Span<T>();
        int[] sigmoidBlocks = [0, h, 3 * h], candidateBlock = [2 * h];
        for (int t = steps - 1; t >= 0; t--)
        {
            for (int k = 0; k < bh; k++) dhRaw[k] = go[t * bh + k] + dh[k];
            if (sites.Hidden is not null) StepQuantizer.Backward(s.HiddenSteps[t], dhRaw.AsSpan());
            ReadOnlySpan<T> cPrev = t == 0 ? c0.Span<T>() : s.Cells.AsSpan((t - 1) * bh, bh);
            var q = s.Used.AsSpan(t * bg, bg);
            var a = s.Raw.AsSpan(t * bg, bg);
            var tc = s.TanhCells.AsSpan(t * bh, bh);
            var d = dGates.AsSpan(t * bg, bg);
            for (int b = 0; b < batch; b++)
            {
                var row = q.Slice(b * g, g);
                var dRow = d.Slice(b * g, g);
                for (int j = 0; j < h; j++)
                {
                    int k = b * h + j;
                    T dho = dhRaw[k], tck = tc[k];
                    T dck = dc[k] + dho * row[3 * h + j] * (T.One - tck * tck);
                    dRow[j] = dck * row[2 * h + j];           // ∂L/∂i
                    dRow[h + j] = dck * cPrev[k];            // ∂L/∂f
                    dRow[2 * h + j] = dck * row[j];          // ∂L/∂g
                    dRow[3 * h + j] = dho * tck;             // ∂L/∂o
                    dc[k] = dck * row[h + j];                // ∂L/∂c(t−1)
                }
            }

            RecurrentMath.BackwardBlocks(sites.Gate, s.GateSteps[t], d, batch, g, sigmoidBlocks, h);
            RecurrentMath.BackwardBlocks(sites.Candidate, s.CandidateSteps[t], d, batch, g, candidateBlock, h);
            for (int b = 0; b < batch; b++)
            {
                var aRow = a.Slice(b * g, g);
                var dRow = d.Slice(b * g, g);
                for (int j = 0; j < 2 * h; j++) dRow[j] *= aRow[j] * (T.One - aRow[j]);
                for (int j = 2 * h; j < 3 * h; j++) dRow[j] *= T.One - aRow[j] * aRow[j];
                for (int j = 3 * h; j < g; j++) dRow[j] *= aRow[j] * (T.One - aRow[j]);
            }

            RecurrentMath.Gemm<T>(false, false, batch, h, g, d, g, w, h, T.Zero, dh, h);
        }

        Tensor? dW = null;
        if (whh.TracksGrad)
        {
            var previous = new T[n * h]; // h_{t−1} for every step: h0, then the outputs of steps 0..T−2
            h0.Span<T>().CopyTo(previous);
            s.Output.AsSpan(0, n * h - bh).CopyTo(previous.AsSpan(bh));
            var dw = new T[g * h];
            RecurrentMath.Gemm<T>(true, false, g, h, n, dGates, g, previous, h, T.Zero, dw, h);
            dW = RecurrentMath.ToTensor(dw, g, h);
        }

        return [
            xproj.TracksGrad ? RecurrentMath.ToTensor(dGates, n, g) : null,
            dW,
            h0.TracksGrad ? RecurrentMath.ToTensor(dh, batch, h) : null,
            c0.TracksGrad ? RecurrentMath.ToTensor(dc, batch, h) : null];
    }
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
