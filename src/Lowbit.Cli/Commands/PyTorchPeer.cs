using System.Diagnostics;
using System.Text.Json.Nodes;
using Lowbit.Nn.Layers;
using Lowbit.Onnx.Export;

namespace Lowbit.Cli.Commands;

/// <summary>
/// The PyTorch column of <c>lowbit bench infer</c>: the benchmarked model's float32 ONNX graph (the one ONNX Runtime runs)
/// and some of the test images are written to a temporary folder, and the peer script (benchmarks/peers/torch_infer.py)
/// runs that graph with PyTorch eager operations in a child process, before any Lowbit timing, at threads 1 and 2 and
/// batches 1 and 100. The script also returns its classes for the written images, so the run can show that PyTorch ran
/// the same model.
/// </summary>
internal sealed class PyTorchPeer
{
    private PyTorchPeer(Dictionary<(int, int), double> microseconds, int[]? classes)
    {
        Microseconds = microseconds;
        Classes = classes;
    }

    /// <summary>µs per image by (threads, batch).</summary>
    public Dictionary<(int Threads, int Batch), double> Microseconds { get; }

    /// <summary>PyTorch's class for each check image (null when the script returned none).</summary>
    public int[]? Classes { get; }

    /// <summary>Runs <paramref name="script"/> on the float graph of <paramref name="model"/>; <paramref name="checkImages"/> are normalised float32 images.</summary>
    public static PyTorchPeer Run(string python, string script, Sequential model, int[] inputShape, string name, ReadOnlySpan<float> checkImages)
    {
        string folder = Path.Combine(Path.GetTempPath(), "lowbit-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string onnx = Path.Combine(folder, name + ".onnx"), inputs = Path.Combine(folder, "images.f32");
            byte[] graph;
            try
            {
                graph = OnnxExporter.Export(model, inputShape, new OnnxExportOptions(name, QuantizeDequantize: false)).ToBytes();
            }
            catch (NotSupportedException e)
            {
                throw new UserException($"--peer: the model cannot be exported to ONNX for PyTorch: {e.Message}");
            }
            File.WriteAllBytes(onnx, graph);
            var bytes = new byte[checkImages.Length * sizeof(float)];
            for (int i = 0; i < checkImages.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), checkImages[i]); // little-endian float32
            File.WriteAllBytes(inputs, bytes);
            return Parse(Execute(python, script, [script, "--onnx", onnx, "--check-inputs", inputs, "--threads", "1", "2", "--batches", "1", "100", "--reps", "200"]));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Execute(string python, string script, string[] arguments)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in arguments) start.ArgumentList.Add(arg);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new UserException($"--peer: could not start '{python}'.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new UserException($"--peer: could not start '{python}' ({e.Message}); pass --python PATH.");
        }
        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new UserException($"--peer: {script} exited with code {process.ExitCode}: {errors.Result.Trim().Split('\n').LastOrDefault()}");
            return stdout;
        }
    }

    private static PyTorchPeer Parse(string stdout)
    {
        var times = new Dictionary<(int, int), double>();
        int[]? classes = null;
        foreach (var text in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var json = JsonNode.Parse(text)!.AsObject();
            if (json["check"] is not null)
                classes = json["classes"]!.AsArray().Select(c => c!.GetValue<int>()).ToArray();
            else
                times[(json["threads"]!.GetValue<int>(), json["batch"]!.GetValue<int>())] = json["ms_per_image"]!.GetValue<double>() * 1000;
        }
        return new PyTorchPeer(times, classes);
    }
}
