using System.Diagnostics;
using System.Numerics.Tensors;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime.Steps;

namespace Lowbit.Inference.Runtime;

/// <summary>
/// Runs a <see cref="PackedModel"/>'s layers in order on one chunk of images: one <see cref="LayerStep"/> per layer,
/// each reading the previous step's output (the pixels for the first) and writing its own into the other of two
/// buffers; the last layer writes the logits, whose first arg-max is the class. A binary convolution followed by a
/// 2×2 stride-2 sign pooling is one step that writes the pooled map (<see cref="BinarySignConvStep"/>). Times every
/// step into <see cref="RunCounters.LayerTicks"/> (a fused pooling's time is its convolution's; its own entry stays 0).
/// </summary>
internal sealed class Pipeline
{
    private readonly PackedModel _model;
    private readonly RunCounters _counters;
    private readonly LayerStep?[] _steps; // null: the layer is computed by the step before it
    private readonly Buffers[] _buffers = [new(), new()]; // steps alternate between them
    private float[] _logits = [];
    private int[] _integers = [];

    public Pipeline(PackedModel model, InferenceOptions options, RunCounters counters)
    {
        _model = model;
        _counters = counters;
        var context = new StepContext(model, options, counters, new ScratchArena());
        var layers = model.Layers;
        _steps = new LayerStep?[layers.Count];
        for (int l = 0; l < layers.Count; l++)
        {
            if (layers[l] is BinarySignConvLayer conv && l + 1 < layers.Count && layers[l + 1] is SignMaxPoolLayer pool
                && BinarySignConvStep.CanFuse(conv, pool))
            {
                _steps[l++] = new BinarySignConvStep(conv, context, pool);
                continue;
            }
            _steps[l] = layers[l].CreateStep(context);
        }
    }

    /// <summary>Predicts <paramref name="m"/> images; the optional outputs are empty to skip.</summary>
    public void RunChunk(ReadOnlySpan<byte> pixels, int m, Span<int> classes, Span<int> dotsOut, Span<float> logitsOut)
    {
        int c = _model.Classes;
        if (_logits.Length < m * c)
        {
            _logits = new float[m * c];
            _integers = new int[m * c];
        }
        var logits = _logits.AsSpan(0, m * c);
        var integers = _integers.AsSpan(0, m * c);
        ReadOnlySpan<byte> inBytes = pixels;
        ReadOnlySpan<ulong> inWords = default;
        ReadOnlySpan<float> inFloats = default;
        long t0 = Stopwatch.GetTimestamp();
        int parity = 0; // the buffers the next step writes: not those its input is in
        for (int l = 0; l < _steps.Length; l++)
        {
            var step = _steps[l];
            if (step is null) continue;
            int end = l + 1 < _steps.Length && _steps[l + 1] is null ? l + 1 : l; // the last layer this step computes
            var spec = _model.Layers[end].Output;
            bool last = end == _steps.Length - 1;
            var buffers = _buffers[parity];
            parity ^= 1;
            var outBytes = buffers.Bytes(m * spec.BytesPerImage);
            var outWords = buffers.Words(m * spec.WordsPerImage);
            var outFloats = last ? logits : buffers.Floats(m * spec.FloatsPerImage);
            step.Run(new StepIO
            {
                Images = m,
                InputBytes = inBytes,
                InputWords = inWords,
                InputFloats = inFloats,
                OutputBytes = outBytes,
                OutputWords = outWords,
                OutputFloats = outFloats,
                Integers = last ? integers : default,
            });
            inBytes = outBytes;
            inWords = outWords;
            inFloats = outFloats;
            long now = Stopwatch.GetTimestamp();
            _counters.LayerTicks[l] += now - t0;
            t0 = now;
        }
        for (int i = 0; i < m; i++) classes[i] = TensorPrimitives.IndexOfMax<float>(logits.Slice(i * c, c));
        if (!dotsOut.IsEmpty) integers.CopyTo(dotsOut);
        if (!logitsOut.IsEmpty) logits.CopyTo(logitsOut);
    }

    /// <summary>Activation storage of one of the two alternating buffers; grows only.</summary>
    private sealed class Buffers
    {
        private byte[] _bytes = [];
        private ulong[] _words = [];
        private float[] _floats = [];

        public Span<byte> Bytes(int count)
        {
            if (_bytes.Length < count) _bytes = new byte[count];
            return _bytes.AsSpan(0, count);
        }

        public Span<ulong> Words(int count)
        {
            if (_words.Length < count) _words = new ulong[count];
            return _words.AsSpan(0, count);
        }

        public Span<float> Floats(int count)
        {
            if (_floats.Length < count) _floats = new float[count];
            return _floats.AsSpan(0, count);
        }
    }
}
