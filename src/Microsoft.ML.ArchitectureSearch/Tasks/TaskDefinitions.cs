using Microsoft.ML.ArchitectureSearch.Tasks.ImageClassification;
using Microsoft.ML.ArchitectureSearch.Tasks.LanguageModeling;

namespace Microsoft.ML.ArchitectureSearch.Tasks;

/// <summary>The one place that maps an <see cref="ArchitectureSearchTask"/> to what it means.</summary>
internal static class TaskDefinitions
{
    public static TaskDefinition For(ArchitectureSearchTask task) => task switch
    {
        ArchitectureSearchTask.ImageClassification => ImageClassificationTask.Instance,
        ArchitectureSearchTask.LanguageModeling => LanguageModelingTask.Instance,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, $"Unknown task {task}."),
    };
}
