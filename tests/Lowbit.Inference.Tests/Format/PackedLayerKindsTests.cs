using System.Text.RegularExpressions;
using Lowbit.Inference.Format;

namespace Lowbit.Inference.Tests.Format;

public sealed partial class PackedLayerKindsTests
{
    [Fact]
    public void Registry_CodesAreUniqueAndEveryInputHasAnOutputKind()
    {
        var kinds = PackedLayerKinds.All;
        Assert.Equal(kinds.Count, kinds.Select(k => k.Code).Distinct().Count());
        foreach (var encoding in kinds.SelectMany(k => k.Inputs).Distinct())
            Assert.Contains(kinds, k => k.IsOutput && k.Inputs.Contains(encoding));
    }

    [Fact]
    public void Docs_KindTableListsEveryKindWithItsNameAndVersion()
    {
        var doc = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "docs", "FORMAT.md"));
        var rows = KindRow().Matches(doc).ToDictionary(m => byte.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            m => (Name: m.Groups[2].Value.Trim(), Since: uint.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var kind in PackedLayerKinds.All)
        {
            Assert.True(rows.TryGetValue(kind.Code, out var row), $"docs/FORMAT.md's kind table lacks kind {kind.Code} ({kind.Name})");
            Assert.Equal((kind.Name, kind.SinceVersion), row);
        }
        Assert.Equal(PackedLayerKinds.All.Count, rows.Count);
    }

    [Theory]
    [InlineData(1u, ActivationEncoding.Pixels, false, "1")]
    [InlineData(2u, ActivationEncoding.Pixels, false, "1 or 4")]
    [InlineData(3u, ActivationEncoding.Pixels, false, "1, 4 or 6")]
    [InlineData(3u, ActivationEncoding.Pixels, true, "5 or 7")]
    [InlineData(3u, ActivationEncoding.Signs, true, "3")]
    [InlineData(3u, ActivationEncoding.ResidualCodes, false, "6")]
    [InlineData(4u, ActivationEncoding.Pixels, false, "1, 4, 6, 8 or 11")]
    [InlineData(4u, ActivationEncoding.Signs, false, "2, 9 or 10")]
    [InlineData(4u, ActivationEncoding.Reals, true, "13")]
    public void Allowed_FollowsVersionInputAndPosition(uint version, ActivationEncoding arriving, bool last, string expected) =>
        Assert.Equal(expected, PackedLayerKinds.Join(PackedLayerKinds.Allowed(version, arriving, last)));

    [GeneratedRegex(@"^\| (\d+) \| ([^|]+) \| (\d+) \|", RegexOptions.Multiline)]
    private static partial Regex KindRow();
}
