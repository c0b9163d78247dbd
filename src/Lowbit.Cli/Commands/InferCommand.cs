using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Cli.Commands;

/// <summary><c>lowbit infer</c>: runs a packed model on its dataset's test set; prints accuracy and latency.</summary>
internal static class InferCommand
{
    /// <summary>Largest --batch (the runtime keeps buffers for a whole batch).</summary>
    public const int MaxBatch = 1 << 16;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string>("--model") { Description = "Packed model file written by lowbit export.", Required = true };
        var data = new Option<string?>("--data") { Description = "Dataset folder (default: the bundled or installed one for the model's dataset)." };
        var threads = CliOptions.WholeNumber("--threads", "Worker threads for the bit kernels.", 1, 1, CliOptions.MaxThreads);
        var batch = CliOptions.WholeNumber("--batch", "Images per Predict call.", 100, 1, MaxBatch);
        var verify = new Option<string?>("--verify") { Description = "Checkpoint the model was exported from: also run its float model on every test image and report any class, logit or last-layer integer that differs (exit 1 if any)." };
        var json = new Option<bool>("--json") { Description = "Print the results as one JSON object (notes on stderr)." };
        var cmd = new Command("infer", "Run a packed model on its dataset's test set: accuracy and latency per image.") { model, data, threads, batch, verify, json };
        cmd.SetAction(parse => Run(parse.GetValue(model)!, parse.GetValue(data), parse.GetValue(threads), parse.GetValue(batch), parse.GetValue(verify),
            parse.GetValue(json) ? new CommandReport(output, error) : new CommandReport(output, null)));
        return cmd;
    }

    private static int Run(string modelPath, string? dataPath, int threads, int batch, string? verifyCheckpoint, CommandReport output)
    {
        var packed = PackedModelFile.Read(modelPath);
        string dataset = DatasetName(packed, modelPath);
        // Only the raw test bytes are used; the model carries its own normalisation (pixel table).
        var test = DataResolver.Load(new DataConfig(dataset, dataPath, 0, "zero_one", null, null)).Test;
        if (test.SampleSize != packed.InputSize)
            throw new UserException($"{modelPath} expects {packed.InputSize}-byte images but {dataset} test images have {test.SampleSize} bytes.");
        if (threads > Environment.ProcessorCount)
            output.Note($"note: --threads {threads} is more than the {Environment.ProcessorCount} processors here; results are the same for every thread count, but the extra threads only add overhead.");
        var session = new InferenceSession(packed, new InferenceOptions(threads, Math.Max(batch, 1)));
        int count = test.Count, size = test.SampleSize;
        var classes = new int[count];
        session.Predict(test.Pixels.AsSpan(0, Math.Min(batch, count) * size), Math.Min(batch, count), classes); // warm-up (JIT)
        session.ResetStatistics();
        long start = Stopwatch.GetTimestamp();
        for (int first = 0; first < count; first += batch)
        {
            int m = Math.Min(batch, count - first);
            session.Predict(test.Pixels.AsSpan(first * size, m * size), m, classes.AsSpan(first, m));
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        int correct = 0;
        for (int i = 0; i < count; i++) if (classes[i] == test.Labels[i]) correct++;
        var stats = session.Statistics;
        var inv = CultureInfo.InvariantCulture;
        output.Set("model", modelPath, "dataset", dataset, "images", count, "accuracy", (double)correct / count, "error", (double)(count - correct) / count);
        output.Set("microseconds_per_image", seconds * 1e6 / count, "microseconds_per_batch", stats.MicrosecondsPerCall, "batch", batch, "threads", threads);
        output.Set("images_per_second", count / seconds, "layer_milliseconds", stats.LayerTicks.Select(t => t * 1e3 / Stopwatch.Frequency).ToArray(),
            "float_replays", stats.FirstLayerReplays);
        output.WriteLine(string.Create(inv, $"{Path.GetFileName(modelPath)} on {dataset} test ({count} images): accuracy {100.0 * correct / count:F2} %, error {100.0 * (count - correct) / count:F2} %"));
        output.WriteLine(string.Create(inv, $"latency: {seconds * 1e6 / count:F2} µs per image, {stats.MicrosecondsPerCall:F1} µs per batch of {batch} ({threads} thread{(threads == 1 ? "" : "s")}); {count / seconds:F0} images/s"));
        var layerMs = string.Join(", ", stats.LayerTicks.Select((t, i) => string.Create(inv, $"layer {i} {t * 1e3 / Stopwatch.Frequency:F1} ms")));
        output.WriteLine(string.Create(inv, $"per layer: {layerMs}; float replays: {stats.FirstLayerReplays} ({(double)stats.FirstLayerReplays / count:F3} per image)"));
        if (verifyCheckpoint is null) return output.Done(ExitCodes.Ok);
        var floatModel = CheckpointModel.Load(verifyCheckpoint, dataPath).Model;
        var result = ExportVerifier.Verify(floatModel, packed, test.Pixels, test.Labels, count, new InferenceOptions(threads, Math.Max(batch, 1)));
        output.Set("verify", new System.Text.Json.Nodes.JsonObject
        {
            ["checkpoint"] = verifyCheckpoint, ["class_mismatches"] = result.ClassMismatches, ["logit_mismatches"] = result.LogitMismatches,
            ["integer_mismatches"] = packed.HasIntegerOutputs ? result.IntegerMismatches : null, ["exact"] = result.Exact,
            ["max_logit_difference"] = Observers.JsonLinesObserver.Finite(result.MaxLogitDifference),
        });
        output.WriteLine(string.Create(inv, $"verify against {Path.GetFileName(verifyCheckpoint)} (float32 model, {count} images): classes differ {result.ClassMismatches}, logits differ {result.LogitMismatches}, last-layer integers differ {(packed.HasIntegerOutputs ? result.IntegerMismatches.ToString(inv) : "n/a (this model's last layer defines none)")}{(result.Exact ? " — bit-exact" : $"; largest logit difference {result.MaxLogitDifference:G4}; first: {result.FirstMismatch}")}"));
        return output.Done(result.Exact ? ExitCodes.Ok : ExitCodes.UserError);
    }

    private static string DatasetName(PackedModel packed, string modelPath)
    {
        try
        {
            using var doc = JsonDocument.Parse(packed.Metadata.Length == 0 ? "{}" : packed.Metadata);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("dataset", out var d) && d.ValueKind == JsonValueKind.String)
            {
                string name = d.GetString()!;
                if (ConfigLoader.Datasets.Contains(name)) return name;
                throw new UserException($"{modelPath}: unknown dataset '{name}' in the model's metadata (known: {string.Join(", ", ConfigLoader.Datasets)}).");
            }
        }
        catch (JsonException e)
        {
            throw new UserException($"{modelPath}: metadata is not valid JSON ({e.Message}).");
        }
        throw new UserException($"{modelPath}: the model's metadata names no dataset, so lowbit infer cannot tell which test set to run; write it with lowbit export or LowbitModel.Export (or pass ModelExporter.Export the metadata of Lowbit.Api.PackedExport.Metadata).");
    }
}
