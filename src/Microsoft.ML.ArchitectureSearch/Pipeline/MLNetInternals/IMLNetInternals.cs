using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.ArchitectureSearch.Pipeline.MLNetInternals;

/// <summary>
/// Everything this library needs from ML.NET that ML.NET 5 keeps internal. The rest of the library talks to ML.NET
/// only through its public API and this interface, so an ML.NET upgrade touches this folder alone.
/// </summary>
internal interface IMLNetInternals
{
    /// <summary>The environment behind an <see cref="MLContext"/> catalog.</summary>
    IHostEnvironment GetEnvironment(TransformsCatalog catalog);

    /// <summary>The seed the <see cref="MLContext"/> was created with, or null when it was created without one.</summary>
    int? GetSeed(IHostEnvironment environment);

    /// <summary>A column of a <see cref="SchemaShape"/> (its constructor is internal, dotnet/machinelearning #3243).</summary>
    SchemaShape.Column ShapeColumn(string name, SchemaShape.Column.VectorKind kind, DataViewType itemType, bool isKey,
        IReadOnlyList<SchemaShape.Column>? annotations = null);

    /// <summary>
    /// Writes the transformer into the model zip at the context's position: a version header naming this
    /// assembly's loader (so <c>mlContext.Model.Load</c> finds it without registration), the payload header in the
    /// model stream and the network weights as a separate binary entry.
    /// </summary>
    void Save(ModelSaveContext context, byte[] payloadHeader, byte[] networkWeights);
}
