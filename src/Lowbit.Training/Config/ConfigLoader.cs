using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lowbit.Training.Config;

/// <summary>Reads experiment configs (JSON) with strict validation and <c>key=value</c> overrides.</summary>
public static class ConfigLoader
{
    /// <summary>Allowed dataset names.</summary>
    public static readonly string[] Datasets = ["mnist", "fashion-mnist", "cifar10", "npz", "image_folder", "ptb", "chars"];

    /// <summary>The language-modelling datasets: ptb (word level, Penn Treebank text format) and chars (character level).</summary>
    public static readonly string[] TextDatasets = ["ptb", "chars"];

    private static readonly string[] s_losses = ["softmax_cross_entropy", "squared_hinge", "mse"];
    private static readonly string[] s_optimizers = ["sgd", "adam", "adamax", "shift_adamax"];
    private static readonly string[] s_schedules = ["constant", "exponential", "step", "cosine"];

    /// <summary>Loads a config file and applies overrides such as <c>train.epochs=2</c> or <c>layers.1.units=512</c>.</summary>
    public static ExperimentConfig Load(string path, IEnumerable<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new ConfigException($"Config '{path}' is a folder; pass a JSON file (e.g. configs/mnist-binarynet.json).");
        if (!File.Exists(path)) throw new ConfigException($"Config file '{path}' does not exist.");
        return Parse(File.ReadAllText(path), Path.GetFileName(path), overrides);
    }

    /// <summary>Parses config text (see <see cref="Load"/>).</summary>
    public static ExperimentConfig Parse(string json, string source, IEnumerable<string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        JsonObject root = StrictJson.ParseObject(json, source, "the config");
        foreach (var o in overrides ?? []) ApplyOverride(root, o, source);
        return FromNode(root, source);
    }

    /// <summary>Sets a dotted path (object keys and array indices) to a value parsed as JSON, or as a string if that fails.</summary>
    public static void ApplyOverride(JsonNode root, string assignment, string source)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(assignment);
        int eq = assignment.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0) throw new ConfigException($"--set '{assignment}': expected key=value, e.g. train.epochs=2.");
        string key = assignment[..eq].Trim(), text = assignment[(eq + 1)..];
        JsonNode? value = StrictJson.ParseOverrideValue(assignment, text);
        var parts = key.Split('.');
        JsonNode node = root;
        for (int i = 0; i < parts.Length; i++)
        {
            bool last = i == parts.Length - 1;
            string part = parts[i];
            string so = string.Join('.', parts[..(i + 1)]);
            if (node is JsonObject obj)
            {
                if (last) { obj[part] = value; return; }
                var next = obj[part];
                if (next is null) { next = new JsonObject(); obj[part] = next; }
                node = next;
            }
            else if (node is JsonArray arr)
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int idx) || idx >= arr.Count)
                    throw new ConfigException($"--set '{assignment}': '{so}' must be an index 0..{arr.Count - 1} into an array.");
                if (last) { arr[idx] = value; return; }
                node = arr[idx] ?? throw new ConfigException($"--set '{assignment}': '{so}' is null.");
            }
            else
            {
                throw new ConfigException($"--set '{assignment}': '{so}' goes into a value that is neither an object nor an array ({source}).");
            }
        }
    }

    private static ExperimentConfig FromNode(JsonObject root, string source)
    {
        var f = new JsonFields(root, "", source);
        string name = f.String("name", Path.GetFileNameWithoutExtension(source));
        int seed = f.Int("seed", 1, 0);
        int threads = f.Int("threads", 1, 1, 256);

        var dataFields = f.Object("data");
        var data = TextDataSection.Names(dataFields) ? TextDataSection.Parse(dataFields) : DataSection.Parse(dataFields);
        bool text = data.IsText;

        var layers = f.Array("layers");
        if (f.Has("quantization"))
        {
            if (f.Raw("quantization") is not JsonObject block)
                throw new ConfigException($"{source}: field 'quantization' must be an object with some of: {string.Join(", ", PrecisionOverrides.Sections)}.");
            PrecisionOverrides.Apply(block, layers, source);
        }
        else
        {
            f.Raw("quantization");
        }
        string loss = f.String("loss", "softmax_cross_entropy", s_losses);

        var o = f.Object("optimizer");
        var opt = new OptimizerConfig(
            o.String("type", "adam", s_optimizers),
            o.Double("lr", 1e-3, 0, 1e9),
            o.Double("beta1", 0.9, 0, 0.999999),
            o.Double("beta2", 0.999, 0, 0.999999999),
            o.Double("epsilon", 1e-8, 0, 1),
            o.Double("weight_decay", 0, 0, 1),
            o.Double("momentum", 0, 0, 0.999999),
            o.Bool("nesterov", false),
            o.Bool("glorot_lr_scale", false))
        {
            ClipNorm = o.OptionalDouble("clip_norm", 1e-12, 1e12),
        };
        o.EnsureAllRead();
        if (!(opt.LearningRate > 0)) throw new ConfigException($"{source}: field 'optimizer.lr' must be positive.");

        var s = f.Object("schedule");
        var schedule = new ScheduleConfig(
            s.String("type", "constant", s_schedules),
            s.OptionalDouble("end_lr", 1e-12, 10),
            s.Double("factor", 0.1, 1e-9, 1),
            s.Int("every", 1, 1));
        s.EnsureAllRead();
        if ((schedule.Type == "exponential" || schedule.Type == "cosine") && schedule.EndLearningRate is null)
            throw new ConfigException($"{source}: schedule '{schedule.Type}' needs field 'schedule.end_lr'.");

        var t = f.Object("train");
        var train = new TrainConfig(t.Int("epochs", 10, 1, 100000), t.Int("batch_size", text ? 20 : 100, 1, 1 << 20), t.Int("eval_batch_size", text ? 10 : 1000, 1, 1 << 20))
        {
            Bptt = text ? t.Int("bptt", 35, 1, 1 << 16) : TextDataSection.TextOnly(t, "bptt", false, 35),
            DropLast = text ? TextDataSection.ImageOnly(t, "drop_last", false) : t.Bool("drop_last", false),
            InitFrom = t.OptionalString("init_from"),
            InitMatch = t.String("init_match", "all", ["all", "matching"]),
            CheckpointMinutes = text ? TextDataSection.ImageOnly(t, "checkpoint_minutes", 10.0, "language models write checkpoints at the end of each epoch and on Ctrl-C.") : t.Double("checkpoint_minutes", 10, 0, 1e6),
        };
        if (train.InitFrom is { Length: 0 }) throw new ConfigException($"{source}: field 'train.init_from' is empty; give a checkpoint file (e.g. runs/NAME/checkpoint.lbck) or leave it out.");
        t.EnsureAllRead();
        RegularizerConfig? regularizer = null;
        if (f.Has("regularizer"))
        {
            var r = f.Object("regularizer");
            regularizer = new RegularizerConfig(r.String("type", "bitpruning", ["bitpruning"]), r.String("target", "bits", ["bits", "memory", "bops"]), r.Double("lambda", 0.01, 0, 1e6));
            r.EnsureAllRead();
        }
        else
        {
            f.Raw("regularizer");
        }
        var bitAssignment = f.Has("bit_assignment") ? BitAssignmentConfig.Parse(f.Object("bit_assignment"), layers) : NullBlock<BitAssignmentConfig>(f, "bit_assignment");
        if (bitAssignment is { Method: "staircase", Result: null } staircase) bitAssignment = staircase.ResolveStaircase(root["bit_assignment"]!.AsObject(), layers);
        BitPruningFinetuneConfig? bitPruning = null;
        if (f.Has("bitpruning"))
        {
            var b = f.Object("bitpruning");
            bitPruning = new BitPruningFinetuneConfig(b.String("round", "up", ["up", "nearest"]), b.Int("finetune_epochs", 0, 0, 100000));
            b.EnsureAllRead();
            if (regularizer is null) throw new ConfigException($"{source}: field 'bitpruning' (round and fine-tune) needs a 'regularizer' of type bitpruning to learn the bitlengths first.");
        }
        else
        {
            f.Raw("bitpruning");
        }
        Nn.Arithmetic.ArithmeticOptions? arithmetic = null;
        if (f.Has("arithmetic"))
        {
            arithmetic = ArithmeticConfig.Parse(f.Object("arithmetic"));
            if (opt.Type != "sgd")
                throw new ConfigException($"{source}: field 'arithmetic' needs optimizer.type \"sgd\" (its momentum is rounded like every other quantity); \"{opt.Type}\" keeps moment estimates no format covers.");
        }
        else
        {
            f.Raw("arithmetic");
        }
        var distributed = f.Has("distributed") ? DistributedConfig.Parse(f.Object("distributed")) : NullBlock<DistributedConfig>(f, "distributed") ?? DistributedConfig.Default;
        f.EnsureAllRead();
        return new ExperimentConfig(name, seed, threads, data, layers, loss, opt, schedule, train, regularizer, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), source)
        {
            BitAssignment = bitAssignment,
            BitPruning = bitPruning,
            Arithmetic = arithmetic,
            Distributed = distributed,
        };
    }

    private static T? NullBlock<T>(JsonFields f, string key)
        where T : class
    {
        f.Raw(key);
        return null;
    }
}
