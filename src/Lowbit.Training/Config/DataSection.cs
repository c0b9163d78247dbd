using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Data;

namespace Lowbit.Training.Config;

/// <summary>Reads and checks a config's "data" section (the fields are described in docs/DATA.md).</summary>
internal static class DataSection
{
    /// <summary>Allowed "normalize" values.</summary>
    public static readonly string[] Normalizations = ["zero_one", "plus_minus_one", "standardize"];

    public static DataConfig Parse(JsonFields d)
    {
        string dataset = d.String("dataset", "mnist", ConfigLoader.Datasets);
        var data = new DataConfig(
            dataset,
            d.OptionalString("path"),
            d.Int("validation", 10000, 0),
            d.String("normalize", "plus_minus_one", Normalizations),
            d.Has("train_limit") ? d.Int("train_limit", 0, 1) : NullInt(d, "train_limit"),
            d.Has("test_limit") ? d.Int("test_limit", 0, 1) : NullInt(d, "test_limit"))
        {
            TrainBatches = TrainBatches(d, dataset),
            Mean = Statistics(d, "mean", 0, 1),
            Std = Statistics(d, "std", double.Epsilon, double.PositiveInfinity),
            Augmentation = Augmentation(d),
            Prefetch = d.Bool("prefetch", true),
            Layout = Layout(d, dataset),
        };
        if (dataset is "npz" or "image_folder" && data.Path is null)
            throw d.Error("path", dataset == "npz" ? "is required for npz: the .npz file (x_train, y_train, x_test, y_test)." : "is required for image_folder: the folder holding train/CLASS/*.pgm and test/CLASS/*.pgm.");
        if ((data.Mean is null) != (data.Std is null))
            throw d.Error(data.Mean is null ? "std" : "mean", $"needs '{d.Field(data.Mean is null ? "mean" : "std")}' too (one value per channel each), or neither to compute both on the training split.");
        if (data.Mean is not null && data.Normalize != "standardize")
            throw d.Error("mean", $"is only used with \"normalize\": \"standardize\", but normalize is \"{data.Normalize}\".");
        if (data.Mean is not null && data.Mean.Count != data.Std!.Count)
            throw d.Error("std", $"has {data.Std.Count} values but '{d.Field("mean")}' has {data.Mean.Count}; give one per channel.");
        // The channel count of npz and image_folder data is known once the files are read (DataResolver checks it there).
        int channels = dataset is "npz" or "image_folder" ? data.Mean?.Count ?? 0 : DataResolver.InputShape(dataset)[0];
        if (data.Mean is not null && data.Mean.Count != channels)
            throw d.Error("mean", $"has {data.Mean.Count} values but {dataset} images have {channels} channel{(channels == 1 ? "" : "s")}.");
        d.EnsureAllRead();
        return data;
    }

    private static string Layout(JsonFields d, string dataset)
    {
        if (!d.Has("layout"))
        {
            d.Raw("layout");
            return "auto";
        }
        if (dataset != "npz") throw d.Error("layout", $"only applies to npz image arrays, not {dataset}.");
        return d.String("layout", "auto", Lowbit.Data.Formats.NpzDataset.Layouts);
    }

    private static int[]? TrainBatches(JsonFields d, string dataset)
    {
        if (!d.Has("train_batches"))
        {
            d.Raw("train_batches");
            return null;
        }
        if (dataset != "cifar10") throw d.Error("train_batches", $"only applies to cifar10 (data_batch_1..5), not {dataset}.");
        int[] batches = d.IntArray("train_batches", []);
        if (batches.Length == 0) throw d.Error("train_batches", "must name at least one batch in 1..5, or be left out to load every batch present.");
        foreach (int b in batches)
            if (b is < 1 or > DatasetCatalog.Cifar10TrainingBatchCount) throw d.Error("train_batches", $"contains {b}; CIFAR-10 training batches are numbered 1..5.");
        if (batches.Distinct().Count() != batches.Length) throw d.Error("train_batches", $"names a batch twice: [{string.Join(", ", batches)}].");
        return batches;
    }

    private static double[]? Statistics(JsonFields d, string key, double min, double max)
    {
        var node = d.Raw(key);
        if (node is null) return null;
        if (node is not JsonArray array || array.Count == 0) throw d.Error(key, $"must be an array of numbers, one per channel, got {JsonFields.Kind(node)}.");
        var values = new double[array.Count];
        for (int i = 0; i < values.Length; i++)
        {
            if (array[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
                throw d.Error(key, $"element {i} must be a number, got {JsonFields.Kind(array[i])}.");
            values[i] = v.GetValue<double>();
            if (!(values[i] >= min && values[i] <= max))
                throw d.Error(key, $"element {i} is {values[i].ToString(CultureInfo.InvariantCulture)}; {key} is in [0, 1] pixel units (x / 255) and must be {(min > 0 ? "positive" : "in [0, 1]")}.");
        }
        return values;
    }

    private static AugmentationOptions Augmentation(JsonFields d)
    {
        if (!d.Has("augment"))
        {
            d.Raw("augment");
            return AugmentationOptions.None;
        }
        var a = d.Object("augment");
        var options = new AugmentationOptions
        {
            CropPadding = a.Int("crop_padding", 0, 0, AugmentationOptions.MaxCropPadding),
            HorizontalFlip = a.Bool("horizontal_flip", false),
        };
        a.EnsureAllRead();
        return options;
    }

    private static int? NullInt(JsonFields f, string key)
    {
        f.Raw(key);
        return null;
    }
}
