using Lowbit.Onnx.Graph;
using Microsoft.ML.OnnxRuntime;

namespace Lowbit.Onnx.Tests;

/// <summary>Runs exported models in ONNX Runtime (CPU, one thread) and validates them with the onnx checker when it is installed.</summary>
internal static class OrtHarness
{
    /// <summary>Runs <paramref name="model"/> on a float32 input [batch, ...] and returns each requested output's values.</summary>
    public static float[][] Run(OnnxModel model, float[] input, int[] shape, params string[] outputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model.ToBytes(), options);
        using var value = OrtValue.CreateTensorValueFromMemory(input, shape.Select(d => (long)d).ToArray());
        using var run = new RunOptions();
        var names = outputs.Length == 0 ? ["output"] : outputs;
        using var results = session.Run(run, ["input"], [value], names);
        return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
    }

    /// <summary>A session kept open for several runs (one thread).</summary>
    public static InferenceSession Open(OnnxModel model)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        return new InferenceSession(model.ToBytes(), options);
    }

    /// <summary>Runs an open session on [batch, ...] and returns the named outputs.</summary>
    public static float[][] Run(InferenceSession session, ReadOnlySpan<float> input, int[] shape, IReadOnlyList<string> outputs)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input.ToArray(), shape.Select(d => (long)d).ToArray());
        using var run = new RunOptions();
        using var results = session.Run(run, ["input"], [value], outputs);
        return results.Select(r => r.GetTensorDataAsSpan<float>().ToArray()).ToArray();
    }

    /// <summary>
    /// The same model with extra graph outputs (intermediate values, per-example shape given), so tests can read
    /// activations inside the graph.
    /// </summary>
    public static OnnxModel WithOutputs(OnnxModel model, params (string Name, int[] Shape)[] extra) =>
        new(model.GraphName, model.Nodes, model.Initializers, model.Inputs,
            [.. model.Outputs, .. extra.Select(e => new OnnxValueInfo(e.Name, OnnxDataType.Float, [null, .. e.Shape.Select(d => (long?)d)]))],
            model.Metadata, model.DocString);

    /// <summary>Null when the onnx checker ran and accepted the model; a skip note when python3-onnx is missing; throws on rejection.</summary>
    public static string? Check(OnnxModel model)
    {
        const string Python = "/usr/bin/python3";
        if (!File.Exists(Python)) return "no /usr/bin/python3";
        string path = Path.Combine(Path.GetTempPath(), $"lowbit-onnx-check-{Guid.NewGuid():N}.onnx");
        try
        {
            model.Save(path);
            var start = new System.Diagnostics.ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "-c", "import sys\ntry:\n import onnx\nexcept ImportError:\n print('missing'); sys.exit(0)\nonnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)\nprint('ok')", path })
                start.ArgumentList.Add(a);
            using var process = System.Diagnostics.Process.Start(start)!;
            string stderr = process.StandardError.ReadToEnd();
            string stdout = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new Xunit.Sdk.XunitException($"onnx checker rejected the model: {stderr.Trim().Split('\n').LastOrDefault()}");
            return stdout == "ok" ? null : "python3-onnx not installed (apt-get install python3-onnx)";
        }
        finally
        {
            File.Delete(path);
        }
    }
}
