namespace Lowbit.Training.Config;

/// <summary>
/// Reads a config's "data" section for the language-modelling datasets (ptb, chars): path, vocabulary, token limits and,
/// for chars, the validation and test fractions. Image fields (validation, normalize, augment, ...) are errors here.
/// </summary>
internal static class TextDataSection
{
    /// <summary>True when the section names a text dataset.</summary>
    public static bool Names(JsonFields d)
    {
        var node = d.Raw("dataset");
        return node is System.Text.Json.Nodes.JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.String && ConfigLoader.TextDatasets.Contains(v.GetValue<string>());
    }

    public static DataConfig Parse(JsonFields d)
    {
        string dataset = d.String("dataset", "ptb", ConfigLoader.TextDatasets);
        RejectImageFields(d, dataset);
        bool chars = dataset == "chars";
        var data = new DataConfig(
            dataset,
            d.OptionalString("path"),
            0,
            "zero_one",
            d.Has("train_limit") ? d.Int("train_limit", 0, 1) : Null(d, "train_limit"),
            d.Has("test_limit") ? d.Int("test_limit", 0, 1) : Null(d, "test_limit"))
        {
            Vocabulary = d.Has("vocabulary") ? d.Int("vocabulary", 0, 1) : Null(d, "vocabulary"),
            ValidationFraction = chars ? d.Double("validation_fraction", 0.05, 1e-9, 0.5) : TextOnly(d, "validation_fraction", false, 0.05),
            TestFraction = chars ? d.Double("test_fraction", 0.05, 1e-9, 0.5) : TextOnly(d, "test_fraction", false, 0.05),
            ValidationLimit = d.Has("validation_limit") ? d.Int("validation_limit", 0, 1) : Null(d, "validation_limit"),
            Prefetch = false,
        };
        d.EnsureAllRead();
        return data;
    }

    private static int? Null(JsonFields d, string key)
    {
        d.Raw(key);
        return null;
    }

    /// <summary>Image-only data fields are errors for a text dataset (they have no meaning there).</summary>
    private static void RejectImageFields(JsonFields d, string dataset)
    {
        foreach (string key in new[] { "validation", "normalize" })
            if (d.Has(key))
                throw d.Error(key, key == "validation"
                    ? $"does not apply to the text dataset '{dataset}': its validation text is {(dataset == "ptb" ? "the valid file" : "set by data.validation_fraction")}; use data.validation_limit to shorten it."
                    : $"does not apply to the text dataset '{dataset}' (token ids are not normalised).");
    }

    /// <summary>An image-training field that a text dataset does not read: an error when given, else the fallback.</summary>
    internal static T ImageOnly<T>(JsonFields f, string key, T fallback, string? why = null)
    {
        if (f.Has(key))
            throw f.Error(key, "does not apply to the text datasets (ptb, chars): " + (why ?? "every training window is used, the last one of an epoch shorter (train.bptt sets the window length)."));
        f.Raw(key);
        return fallback;
    }

    /// <summary>A field that only text datasets (or only some) read: an error elsewhere, else the fallback.</summary>
    internal static T TextOnly<T>(JsonFields f, string key, bool allowed, T fallback)
    {
        if (!allowed && f.Has(key)) throw f.Error(key, "applies only to the datasets that use it (fractions: chars; bptt: ptb and chars).");
        f.Raw(key);
        return fallback;
    }
}
