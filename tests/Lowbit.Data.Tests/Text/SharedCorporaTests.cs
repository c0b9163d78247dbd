using Lowbit.Data.Text;

namespace Lowbit.Data.Tests.Text;

/// <summary>The readers on the real Penn Treebank and tinyshakespeare files of shared/data (skipped when absent).</summary>
public class SharedCorporaTests
{
    private static string Ptb => SharedFolder("ptb");

    private static string Shakespeare => SharedFolder("tinyshakespeare");

    /// <summary>shared/data/NAME beside the repository or beside one of its parents (worktrees live one level deeper).</summary>
    private static string SharedFolder(string name)
    {
        for (var dir = new DirectoryInfo(TestPaths.RepositoryRoot).Parent; dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "data", name);
            if (Directory.Exists(candidate)) return candidate;
        }

        return Path.Combine(TestPaths.RepositoryRoot, "..", "shared", "data", name);
    }

    [RequiresTextFolderFact("ptb")]
    public void PennTreebank_HasTheStandardVocabularyAndTokenCounts()
    {
        var corpus = TextCorpora.LoadWords(Ptb);
        Assert.Equal(10_000, corpus.Vocabulary.Count);
        Assert.Equal((929_589, 73_760, 82_430), (corpus.Train.Length, corpus.Validation.Length, corpus.Test.Length));
        Assert.Equal((0, 0), (corpus.UnknownInValidation, corpus.UnknownInTest));
        Assert.Equal(42_068, corpus.Train.Count(id => id == corpus.Vocabulary.EndOfSentenceId));
        Assert.Equal("aer", corpus.Vocabulary[0]); // the first word of ptb.train.txt
    }

    [RequiresTextFolderFact("tinyshakespeare")]
    public void TinyShakespeare_Has65Characters()
    {
        var corpus = TextCorpora.LoadCharacters(Shakespeare);
        Assert.Equal(65, corpus.Vocabulary.Count);
        Assert.Equal(1_115_394, corpus.Train.Length + corpus.Validation.Length + corpus.Test.Length);
        Assert.StartsWith("First Citizen:", corpus.Vocabulary.Decode(corpus.Train.AsSpan(0, 20), characterLevel: true), StringComparison.Ordinal);
    }

    private sealed class RequiresTextFolderFactAttribute : FactAttribute
    {
        public RequiresTextFolderFactAttribute(string name)
        {
            string folder = name == "ptb" ? Ptb : Shakespeare;
            if (!Directory.Exists(folder)) Skip = $"{name} not found at '{Path.GetFullPath(folder)}' (shared/data/{name} beside the repository).";
        }
    }
}
