using System.Globalization;
using System.Text.Json.Nodes;
using Lowbit.Data;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Training.Config;

namespace Lowbit.Training;

/// <summary>
/// Resolves a config's "bit_assignment" block (PDB, Chu et al., arXiv 1912.12656) into per-layer weight quantizers before training.
/// </summary>
/// <remarks>
/// Method "staircase": the given bits (normally already applied by <see cref="ConfigLoader"/>).
/// Method "pdb" (our procedure, docs/MIXED-PRECISION.md; the paper's is not confirmed):
/// 1. Train the config's model for pretrain_epochs with full-precision weights on the assigned layers (their weight
///    quantizers removed; activations, other layers, optimizer and schedule as configured) into
///    <c>OUT/pdb-pretrain</c>; 0 epochs measures the network at initialisation.
/// 2. Run the first calibration_images training images through it in evaluation mode. The features of assigned layer
///    l are the activations that leave its block: the input of the next dense/conv layer (before that layer's input
///    quantizer, before any flatten) or the model output for the last one; [N, C, H, W] features are globally
///    average-pooled to [N, C].
/// 3. S_l = <see cref="SeparabilityMeasure.FisherRatio"/>; bits = <see cref="StaircaseAllocator.Allocate"/>(S, weight
///    counts, budget_bits, candidates): non-increasing with depth, weighted average ≤ the budget.
/// The resolved config has each assigned layer's weight_quantizer = the template with its bits, the block's "result"
/// (bits, separability, parameters, average_bits), and no "quantization" block (already applied to the layer list;
/// the assignment wins on the assigned layers). It is what checkpoints store, so a resumed run does not assign again.
/// </remarks>
public static class BitAssigner
{
    /// <summary>Folder (inside the run's output folder) of the PDB pre-training run.</summary>
    public const string PretrainFolder = "pdb-pretrain";

    /// <summary>The config with its bit assignment applied (unchanged when there is none or it is already resolved).</summary>
    /// <param name="config">The experiment config.</param>
    /// <param name="data">The run's data (pdb pre-trains and measures on its training set).</param>
    /// <param name="outputDirectory">The run's output folder.</param>
    /// <param name="observer">Receives the pre-training progress and a line describing the assignment.</param>
    public static ExperimentConfig Resolve(ExperimentConfig config, RunData data, string outputDirectory, ITrainingObserver observer)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(observer);
        var spec = config.BitAssignment;
        if (spec is null || spec.Result is not null) return config;
        var weights = WeightCounts(config, data.InputShape);
        var assigned = spec.Layers ?? Enumerable.Range(0, weights.Length).ToArray();
        var counts = assigned.Select(l => weights[l]).ToArray();
        int[] bits;
        double[]? separability = null;
        if (spec.Method == "staircase")
        {
            bits = spec.Bits!;
        }
        else
        {
            observer.Message($"bit assignment (pdb): measuring feature separability of layers [{string.Join(", ", assigned)}] after {spec.PretrainEpochs} full-precision-weight epoch(s) on {spec.CalibrationImages} training images");
            var model = Pretrain(config, data, assigned, Path.Combine(outputDirectory, PretrainFolder), observer);
            separability = Separability(model, data, assigned, spec.CalibrationImages);
            bits = StaircaseAllocator.Allocate(separability, counts, spec.BudgetBits, spec.Candidates);
        }
        double average = counts.Zip(bits, (p, b) => (double)p * b).Sum() / counts.Sum();
        var root = JsonNode.Parse(config.Json)!.AsObject();
        spec.ApplyTo(root["layers"]!.AsArray(), bits);
        var result = new JsonObject
        {
            ["bits"] = new JsonArray(bits.Select(b => (JsonNode)b).ToArray()),
            ["parameters"] = new JsonArray(counts.Select(c => (JsonNode)c).ToArray()),
            ["average_bits"] = Math.Round(average, 6),
        };
        if (separability is not null) result["separability"] = new JsonArray(separability.Select(s => (JsonNode)Math.Round(s, 9)).ToArray());
        root["bit_assignment"]!["result"] = result;
        root.Remove("quantization");
        observer.Message(Describe(spec, assigned, bits, separability, average));
        return ConfigLoader.Parse(root.ToJsonString(), config.Source);
    }

    /// <summary>One line: layers, separability, bits, average and budget.</summary>
    internal static string Describe(BitAssignmentConfig spec, int[] assigned, int[] bits, double[]? separability, double average)
    {
        var inv = CultureInfo.InvariantCulture;
        string s = separability is null ? "" : $"separability [{string.Join(", ", separability.Select(v => v.ToString("G4", inv)))}] -> ";
        string budget = spec.Method == "pdb" ? string.Create(inv, $" (budget {spec.BudgetBits:G4})") : "";
        return string.Create(inv, $"bit assignment ({spec.Method}): layers [{string.Join(", ", assigned)}]: {s}weight bits [{string.Join("-", bits)}], average {average:F3} bits{budget}");
    }

    /// <summary>Weight counts of the dense/conv2d layers, in order.</summary>
    internal static long[] WeightCounts(ExperimentConfig config, int[] inputShape) =>
        ModelBuilder.Build(config, inputShape).NamedModules().Select(m => m.Module).OfType<QuantizedLayer>().Select(l => (long)l.Weight.Value.Length).ToArray();

    private static Sequential Pretrain(ExperimentConfig config, RunData data, int[] assigned, string folder, ITrainingObserver observer)
    {
        var root = JsonNode.Parse(config.Json)!.AsObject();
        root.Remove("bit_assignment");
        root.Remove("quantization");
        root.Remove("regularizer");
        root.Remove("bitpruning");
        root["name"] = config.Name + "-pdb-pretrain";
        int epochs = config.BitAssignment!.PretrainEpochs;
        root["train"]!["epochs"] = Math.Max(epochs, 1);
        var entries = BitAssignmentConfig.QuantizableEntries(root["layers"]!.AsArray());
        foreach (int l in assigned) entries[l].Remove("weight_quantizer");
        var fp = ConfigLoader.Parse(root.ToJsonString(), config.Source + " (pdb pre-training)");
        if (epochs == 0) return ModelBuilder.Build(fp, data.InputShape);
        var trainer = new Trainer(fp, data, folder, observer);
        trainer.Run();
        return trainer.Model;
    }

    /// <summary>Fisher ratio of the features leaving each assigned layer's block (see remarks) on the first <paramref name="images"/> training images.</summary>
    internal static double[] Separability(Sequential model, RunData data, int[] assigned, int images)
    {
        var subset = data.Train.Slice(0, Math.Min(images, data.Train.Count));
        var blocks = Blocks(model);
        var features = assigned.Select(_ => new List<double>()).ToArray();
        var width = new int[assigned.Length];
        var labels = new List<int>();
        bool wasTraining = model.Training;
        model.Eval();
        model.SetRandom(null);
        try
        {
            using var _ = GradMode.Disable();
            var loader = new BatchLoader(subset, new BatchLoaderOptions { BatchSize = 500, Shuffle = false, Normalization = data.Normalization });
            foreach (var batch in loader.GetBatches(0))
            {
                var x = Tensor.FromArray(batch.ValidInputs.ToArray(), batch.Count, subset.Channels, subset.Height, subset.Width);
                labels.AddRange(batch.ValidLabels.ToArray());
                var outputs = BlockOutputs(model, blocks, x);
                for (int i = 0; i < assigned.Length; i++)
                {
                    var pooled = Pool(outputs[assigned[i]]);
                    width[i] = pooled.Length / batch.Count;
                    features[i].AddRange(pooled);
                }
            }
        }
        finally
        {
            model.Train(wasTraining);
        }
        var y = labels.ToArray();
        return features.Select((f, i) => SeparabilityMeasure.FisherRatio(Tensor.FromArray(f.ToArray(), y.Length, width[i]), y)).ToArray();
    }

    /// <summary>For each dense/conv layer (in order), the index of the last module of its block.</summary>
    private static int[] Blocks(Sequential model)
    {
        var layers = model.Layers;
        if (model.NamedModules().Count(m => m.Module is QuantizedLayer) != layers.Count(l => l is QuantizedLayer))
            throw new ConfigException("bit assignment measures separability after each top-level dense/conv2d layer; models with layers nested in blocks (residual) are not supported.");
        var ends = new List<int>();
        for (int j = 0; j < layers.Count; j++)
        {
            if (layers[j] is not QuantizedLayer) continue;
            int end = j;
            while (end + 1 < layers.Count && layers[end + 1] is not QuantizedLayer) end++;
            while (end > j && layers[end] is Flatten) end--;
            ends.Add(end);
        }
        return ends.ToArray();
    }

    private static Tensor[] BlockOutputs(Sequential model, int[] blockEnds, Tensor x)
    {
        var outputs = new Tensor[blockEnds.Length];
        var layers = model.Layers;
        int block = 0;
        for (int j = 0; j < layers.Count; j++)
        {
            x = layers[j].Forward(x);
            while (block < blockEnds.Length && blockEnds[block] == j) outputs[block++] = x;
        }
        return outputs;
    }

    /// <summary>[N, D] as is; [N, C, H, W] averaged over H·W to [N, C] (rows concatenated, row-major).</summary>
    private static double[] Pool(Tensor t)
    {
        var v = t.ToDoubleArray();
        if (t.Rank == 2) return v;
        if (t.Rank != 4) throw new InvalidOperationException($"bit assignment: block features have shape {ShapeUtil.Format(t.ShapeSpan)}; expected [N, D] or [N, C, H, W].");
        int rows = t.Dim(0) * t.Dim(1), hw = t.Dim(2) * t.Dim(3);
        var pooled = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double s = 0;
            for (int p = 0; p < hw; p++) s += v[i * hw + p];
            pooled[i] = s / hw;
        }
        return pooled;
    }
}
