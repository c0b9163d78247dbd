using System.Diagnostics;
using System.Numerics.Tensors;
using Lowbit.Inference.Format;

namespace Lowbit.Inference.Runtime;

/// <summary>
/// Runs a <see cref="PackedModel"/>'s layers in order on one chunk of images: one <see cref="LayerStep"/> per layer,
/// each reading the previous layer's output (the pixels for the first) and writing its own into buffers that
/// alternate between even and odd layers; the last layer writes the logits, whose first arg-max is the class.
/// Times every layer into <see cref="RunCounters.LayerTicks"/>.
/// </summary>
internal sealed class Pipeline
{
    private readonly PackedModel _model;
    private readonly RunCounters _counters;
    private readonly LayerStep[] _steps;
    private readonly Buffers[] _buffers = [new(), new()]; // [layer parity]
    private float[] _logits = [];
    private int[] _integers = [];

    public Pipeline(PackedModel model, InferenceOptions options, RunCounters counters)
    {
        _model = model;
        _counters = counters;
        var context = new StepContext(model, options, counters, new ScratchArena());
        _steps = model.Layers.Select(l => l.CreateStep(context)).ToArray();
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
        for (int l = 0; l < _steps.Length; l++)
        {
            var spec = _model.Layers[l].Output;
            bool last = l == _steps.Length - 1;
            var buffers = _buffers[l & 1];
            var outBytes = buffers.Bytes(m * spec.BytesPerImage);
            var outWords = buffers.Words(m * spec.WordsPerImage);
            var outFloats = last ? logits : buffers.Floats(m * spec.FloatsPerImage);
            _steps[l].Run(new StepIO
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

    /// <summary>Activation storage of one layer parity; grows only.</summary>
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
