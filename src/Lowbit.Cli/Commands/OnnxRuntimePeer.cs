using System.Diagnostics;
using Lowbit.Nn.Layers;
using Lowbit.Onnx.Export;
using Microsoft.ML.OnnxRuntime;

namespace Lowbit.Cli.Commands;

/// <summary>
/// The ONNX Runtime column of <c>lowbit bench infer</c>: the benchmarked model exported to ONNX in memory and run in this
/// process through ONNX Runtime's C# API (CPU execution provider, default graph optimisations, intra-op threads from
/// the setting, one inter-op thread, ONNX Runtime's default thread spinning), fed the same normalised float32 images as
/// Lowbit's float model. The export keeps float weights and no QuantizeLinear/DequantizeLinear pairs, so ONNX Runtime
/// runs the float32 graph of the same model.
/// </summary>
internal sealed class OnnxRuntimePeer : IDisposable
{
    private readonly byte[] _model;
    private readonly int[] _inputShape;
    private readonly Dictionary<int, InferenceSession> _sessions = [];
    private readonly RunOptions _run = new();

    private OnnxRuntimePeer(byte[] model, int[] inputShape)
    {
        _model = model;
        _inputShape = inputShape;
    }

    /// <summary>Exports <paramref name="model"/>; throws <see cref="UserException"/> when it has no ONNX form.</summary>
    public static OnnxRuntimePeer Create(Sequential model, int[] inputShape, string name)
    {
        try
        {
            // Float weights and no Q/DQ pairs: ONNX Runtime runs the plain float32 graph (its "float" column).
            return new OnnxRuntimePeer(OnnxExporter.Export(model, inputShape, new OnnxExportOptions(name, QuantizeDequantize: false)).ToBytes(), inputShape);
        }
        catch (NotSupportedException e)
        {
            throw new UserException($"--onnx: the model cannot be exported to ONNX: {e.Message}");
        }
    }

    /// <summary>ONNX Runtime's version string.</summary>
    public static string Version => OrtEnv.Instance().GetVersionString();

    /// <summary>Wall-clock µs per image for images [offset, offset + count) in batches of <paramref name="batch"/>.</summary>
    public double MicrosecondsPerImage(float[] inputs, int offset, int count, int batch, int threads)
    {
        var clock = Stopwatch.StartNew();
        for (int first = offset; first + batch <= offset + count; first += batch) Predict(inputs, first, batch, threads);
        return clock.Elapsed.TotalMicroseconds / count;
    }

    private void Predict(float[] inputs, int first, int batch, int threads)
    {
        int size = _inputShape.Aggregate(1, (a, b) => a * b);
        long[] shape = [batch, .. _inputShape.Select(d => (long)d)];
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, inputs.AsMemory(first * size, batch * size), shape);
        using var outputs = Session(threads).Run(_run, [OnnxExporter.InputName], [input], [OnnxExporter.OutputName]);
    }

    private InferenceSession Session(int threads)
    {
        if (_sessions.TryGetValue(threads, out var session)) return session;
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        session = new InferenceSession(_model, options);
        _sessions[threads] = session;
        return session;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var s in _sessions.Values) s.Dispose();
        _run.Dispose();
    }
}
