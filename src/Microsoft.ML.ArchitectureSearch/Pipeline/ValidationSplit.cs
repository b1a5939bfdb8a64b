using Microsoft.ML.ArchitectureSearch.Tasks;

namespace Microsoft.ML.ArchitectureSearch.Pipeline;

/// <summary>Holds out validation rows from the training rows when the user gave no validation data.</summary>
internal static class ValidationSplit
{
    /// <summary>A seeded random <paramref name="fraction"/> of the rows (at least one, leaving at least one), both parts in row order.</summary>
    public static (TaskRows Train, TaskRows Validation) HoldOut(TaskRows all, double fraction, int seed)
    {
        if (all.Count < 2)
            throw new ArgumentException($"The training data has {all.Count} row; at least 2 are needed to hold out validation rows (or pass validation data).");
        int validationCount = Math.Clamp((int)Math.Round(all.Count * fraction), 1, all.Count - 1);
        int[] order = Enumerable.Range(0, all.Count).ToArray();
        new Random(seed).Shuffle(order);
        return (all.Select(order[validationCount..].Order().ToArray()), all.Select(order[..validationCount].Order().ToArray()));
    }
}
