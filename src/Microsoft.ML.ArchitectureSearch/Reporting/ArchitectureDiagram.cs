using Microsoft.ML.ArchitectureSearch.SearchSpaces;
using SkiaSharp;

namespace Microsoft.ML.ArchitectureSearch.Reporting;

/// <summary>
/// Draws an <see cref="ArchitectureGraph"/> as a PNG: one row per rank, boxes spread across the row, edges between
/// adjacent rows as straight arrows and longer ones (skip connections) as arcs to the right, so they never cross boxes.
/// </summary>
internal static class ArchitectureDiagram
{
    private const int BoxWidth = 170, BoxHeight = 34, RowGap = 30, ColumnGap = 24, Margin = 20;

    public static void SavePng(ArchitectureGraph graph, string path, string? title = null)
    {
        if (graph.Nodes.Count == 0) throw new ArgumentException("The architecture graph has no nodes to draw.", nameof(graph));
        var rows = graph.Nodes.GroupBy(n => n.Rank).OrderBy(g => g.Key).Select(g => g.ToList()).ToList();
        int widest = rows.Max(r => r.Count);
        int arcRoom = 40 + 12 * graph.Edges.Count(e => Span(graph, e) > 1);
        int titleHeight = title is null ? 0 : 30;
        int width = Margin * 2 + widest * BoxWidth + (widest - 1) * ColumnGap + arcRoom;
        int height = Margin * 2 + titleHeight + rows.Count * BoxHeight + (rows.Count - 1) * RowGap;

        var centres = new Dictionary<string, SKPoint>();
        int contentWidth = widest * BoxWidth + (widest - 1) * ColumnGap;
        for (int r = 0; r < rows.Count; r++)
        {
            int rowWidth = rows[r].Count * BoxWidth + (rows[r].Count - 1) * ColumnGap;
            float left = Margin + (contentWidth - rowWidth) / 2f;
            float y = Margin + titleHeight + r * (BoxHeight + RowGap) + BoxHeight / 2f;
            for (int c = 0; c < rows[r].Count; c++)
                centres[rows[r][c].Id] = new SKPoint(left + c * (BoxWidth + ColumnGap) + BoxWidth / 2f, y);
        }

        using var bitmap = new SKBitmap(width, height);
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.FromFamilyName("DejaVu Sans") ?? SKTypeface.Default;
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 13, IsAntialias = true, Typeface = typeface, TextAlign = SKTextAlign.Center };
        using var line = new SKPaint { Color = new SKColor(70, 70, 70), StrokeWidth = 1.4f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var skip = new SKPaint { Color = new SKColor(30, 110, 200), StrokeWidth = 1.4f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var box = new SKPaint { Color = new SKColor(235, 242, 250), Style = SKPaintStyle.Fill, IsAntialias = true };
        using var border = new SKPaint { Color = new SKColor(60, 90, 130), Style = SKPaintStyle.Stroke, StrokeWidth = 1.2f, IsAntialias = true };

        if (title is not null)
            canvas.DrawText(title, width / 2f, Margin + 16, text);

        float arcX = Margin + contentWidth + 20;
        foreach (GraphEdge edge in graph.Edges)
        {
            SKPoint from = centres[edge.From], to = centres[edge.To];
            var start = new SKPoint(from.X, from.Y + BoxHeight / 2f);
            var end = new SKPoint(to.X, to.Y - BoxHeight / 2f);
            if (Span(graph, edge) <= 1)
            {
                canvas.DrawLine(start, end, line);
                Arrowhead(canvas, start, end, line);
            }
            else
            {
                // Leave from the box's right side, bulge into the arc lane, enter the target's right side.
                var a = new SKPoint(from.X + BoxWidth / 2f, from.Y);
                var b = new SKPoint(to.X + BoxWidth / 2f, to.Y);
                using var arc = new SKPath();
                arc.MoveTo(a);
                arc.CubicTo(arcX, a.Y, arcX, b.Y, b.X, b.Y);
                canvas.DrawPath(arc, skip);
                Arrowhead(canvas, new SKPoint(arcX, b.Y), b, skip);
                arcX += 12;
            }
        }

        foreach (GraphNode node in graph.Nodes)
        {
            SKPoint c = centres[node.Id];
            var rect = new SKRect(c.X - BoxWidth / 2f, c.Y - BoxHeight / 2f, c.X + BoxWidth / 2f, c.Y + BoxHeight / 2f);
            canvas.DrawRoundRect(rect, 6, 6, box);
            canvas.DrawRoundRect(rect, 6, 6, border);
            canvas.DrawText(node.Label, c.X, c.Y + 4.5f, text);
        }

        using SKImage image = SKImage.FromBitmap(bitmap);
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
        using FileStream file = File.Create(path);
        png.SaveTo(file);
    }

    private static int Span(ArchitectureGraph graph, GraphEdge edge)
    {
        int from = graph.Nodes.First(n => n.Id == edge.From).Rank;
        int to = graph.Nodes.First(n => n.Id == edge.To).Rank;
        return Math.Abs(to - from);
    }

    private static void Arrowhead(SKCanvas canvas, SKPoint from, SKPoint to, SKPaint paint)
    {
        float dx = to.X - from.X, dy = to.Y - from.Y;
        float length = MathF.Max(1e-3f, MathF.Sqrt(dx * dx + dy * dy));
        dx /= length; dy /= length;
        const float size = 7;
        canvas.DrawLine(to, new SKPoint(to.X - size * dx + size * 0.5f * dy, to.Y - size * dy - size * 0.5f * dx), paint);
        canvas.DrawLine(to, new SKPoint(to.X - size * dx - size * 0.5f * dy, to.Y - size * dy + size * 0.5f * dx), paint);
    }
}
