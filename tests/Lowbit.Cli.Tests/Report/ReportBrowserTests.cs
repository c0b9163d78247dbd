using Xunit.Abstractions;

namespace Lowbit.Cli.Tests.Report;

/// <summary>
/// The report in headless Chromium (Debian's chromium; .ci/run installs it): it loads without a console message, every
/// figure is laid out with a size, and no text of any figure (titles, legends, axis labels) falls outside its SVG, which
/// is how clipped titles and legends showed.
/// </summary>
public sealed class ReportBrowserTests(ReportRuns runs, ITestOutputHelper log) : IClassFixture<ReportRuns>
{
    // Appended to a copy of the page only: measures every figure and its texts after layout and writes the findings
    // into the DOM, which --dump-dom returns.
    private const string Probe = """
        <script>
        const problems = [];
        const figures = document.querySelectorAll('figure svg');
        for (const svg of figures) {
          const box = svg.getBoundingClientRect();
          const id = svg.closest('figure').id;
          if (box.width < 100 || box.height < 100) problems.push(id + ': svg is ' + box.width + 'x' + box.height);
          for (const text of svg.querySelectorAll('text')) {
            const t = text.getBoundingClientRect();
            if (t.width === 0) continue;
            if (t.left < box.left - 0.5 || t.right > box.right + 0.5 || t.top < box.top - 0.5 || t.bottom > box.bottom + 0.5)
              problems.push(id + ': "' + text.textContent + '" at ' + [t.left - box.left, t.right - box.left, t.top - box.top, t.bottom - box.top].map(v => v.toFixed(1)) + ' outside ' + box.width + 'x' + box.height);
          }
        }
        const out = document.createElement('pre');
        out.id = 'probe';
        out.textContent = JSON.stringify({ figures: figures.length, problems: problems });
        document.body.appendChild(out);
        </script>
        """;

    [Fact]
    public void Page_LoadsWithoutConsoleMessages_AndNoFigureClipsItsText()
    {
        if (HeadlessChromium.Executable is null)
        {
            log.WriteLine("skipped: no chromium (apt-get install chromium; .ci/run installs it)");
            return;
        }

        var (dom, console) = HeadlessChromium.Load(runs.Page);
        Assert.True(console.Count == 0, "console messages:\n" + string.Join("\n", console));
        int figures = ReportPage.Figures(runs.Html).Count;
        Assert.Equal(figures, System.Text.RegularExpressions.Regex.Matches(dom, "<figure ").Count);
        Assert.Contains("<h1>Report test</h1>", dom, StringComparison.Ordinal);
        // The DOM Chromium built holds the same figures, data and lines as the file.
        Assert.Equal(ReportPage.Figures(runs.Html).Select(f => (f.Id, f.Series.Count, f.Polylines.Count)), ReportPage.Figures(dom).Select(f => (f.Id, f.Series.Count, f.Polylines.Count)));

        string probed = Path.Combine(Path.GetDirectoryName(runs.Page)!, "probed.html");
        File.WriteAllText(probed, runs.Html.Replace("</body>", Probe + "</body>", StringComparison.Ordinal));
        var (probeDom, probeConsole) = HeadlessChromium.Load(probed);
        Assert.True(probeConsole.Count == 0, "console messages:\n" + string.Join("\n", probeConsole));
        var match = System.Text.RegularExpressions.Regex.Match(probeDom, "<pre id=\"probe\">(.*?)</pre>");
        Assert.True(match.Success, "the probe did not run");
        var result = System.Text.Json.Nodes.JsonNode.Parse(System.Net.WebUtility.HtmlDecode(match.Groups[1].Value))!;
        Assert.Equal(figures, (int)result["figures"]!);
        Assert.True(result["problems"]!.AsArray().Count == 0, string.Join("\n", result["problems"]!.AsArray()));
    }

    [Fact]
    public void ConsoleCheck_CanFail()
    {
        if (HeadlessChromium.Executable is null) return;
        string page = Path.Combine(Path.GetDirectoryName(runs.Page)!, "broken.html");
        File.WriteAllText(page, "<!DOCTYPE html><html><body><script>console.error('broken page'); missing();</script></body></html>");
        var (_, console) = HeadlessChromium.Load(page);
        Assert.Contains(console, m => m.Contains("broken page", StringComparison.Ordinal));
        Assert.Contains(console, m => m.Contains("missing is not defined", StringComparison.Ordinal));
    }
}
