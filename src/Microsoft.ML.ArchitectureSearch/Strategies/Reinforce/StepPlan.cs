using Microsoft.ML.ArchitectureSearch.SearchSpaces;

namespace Microsoft.ML.ArchitectureSearch.Strategies.Reinforce;

/// <summary>
/// What the controller does around each decision step, derived once from a space's step list: where each layer's
/// anchor point is computed, and where a layer's skip decisions end. Nothing here depends on a particular space.
/// </summary>
internal sealed class StepPlan
{
    public StepPlan(IReadOnlyList<DecisionStep> steps)
    {
        Steps = steps;
        int n = steps.Count;
        AnchorAfter = new int[n];
        AnchorBefore = new int[n];
        EndsSkips = new bool[n];
        Array.Fill(AnchorAfter, -1);
        Array.Fill(AnchorBefore, -1);

        // Layers whose anchor some skip decision needs: the skip's own layer and the layer it comes from.
        var needed = new HashSet<int>();
        foreach (DecisionStep s in steps)
            if (s.Kind == DecisionKind.Skip) { needed.Add(s.Layer); needed.Add(s.FromLayer); }

        var layersWithChoices = new HashSet<int>();
        for (int i = 0; i < n; i++)
        {
            DecisionStep s = steps[i];
            if (s.Kind == DecisionKind.Choice)
            {
                layersWithChoices.Add(s.Layer);
                bool lastChoiceOfLayer = !steps.Skip(i + 1).Any(t => t.Kind == DecisionKind.Choice && t.Layer == s.Layer);
                if (lastChoiceOfLayer && needed.Contains(s.Layer)) AnchorAfter[i] = s.Layer;
            }
            else
            {
                if (s.FromLayer >= s.Layer || s.FromLayer < 0)
                    throw new ArgumentException($"Step {i} ({s.Name}) is a skip from layer {s.FromLayer} into layer {s.Layer}; skips must come from an earlier layer.");
                bool firstSkipOfLayer = i == 0 || steps[i - 1].Kind != DecisionKind.Skip || steps[i - 1].Layer != s.Layer;
                if (firstSkipOfLayer && !layersWithChoices.Contains(s.Layer)) AnchorBefore[i] = s.Layer;
                EndsSkips[i] = i == n - 1 || steps[i + 1].Kind != DecisionKind.Skip || steps[i + 1].Layer != s.Layer;
            }
        }
        AnchorLayers = needed.OrderBy(l => l).ToArray();
    }

    public IReadOnlyList<DecisionStep> Steps { get; }

    /// <summary>Layer whose anchor is computed right after step i (its last choice), or -1.</summary>
    public int[] AnchorAfter { get; }

    /// <summary>Layer whose anchor is computed right before step i (a layer with skips but no choices), or -1.</summary>
    public int[] AnchorBefore { get; }

    /// <summary>True at the last skip decision of a layer: the next input summarises the chosen connections.</summary>
    public bool[] EndsSkips { get; }

    public IReadOnlyList<int> AnchorLayers { get; }
}
