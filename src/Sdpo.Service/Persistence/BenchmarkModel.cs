using Microsoft.EntityFrameworkCore;

namespace Sdpo.Service.Persistence;

/// <summary>The tables of benchmarks: the benchmark, its candidate problems, the runs it made and its events.</summary>
public static class BenchmarkModel
{
    public static void ConfigureBenchmarks(this ModelBuilder model)
    {
        model.Entity<BenchmarkEntity>(benchmark =>
        {
            benchmark.ToTable("benchmarks");
            benchmark.HasKey(b => b.Id);
            benchmark.Property(b => b.Status).HasConversion<string>().HasMaxLength(16);
            benchmark.HasIndex(b => b.Status);
            benchmark.HasMany(b => b.Problems).WithOne().HasForeignKey(p => p.BenchmarkId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<BenchmarkProblemEntity>(problem =>
        {
            problem.ToTable("benchmark_problems");
            problem.HasKey(p => new { p.BenchmarkId, p.Index });
        });
        model.Entity<BenchmarkRunEntity>(run =>
        {
            run.ToTable("benchmark_runs");
            run.HasKey(r => new { r.BenchmarkId, r.Order });
            run.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
            run.HasIndex(r => r.RunId);
            run.HasOne<BenchmarkEntity>().WithMany().HasForeignKey(r => r.BenchmarkId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<BenchmarkEventEntity>(ev =>
        {
            ev.ToTable("benchmark_events");
            ev.HasKey(e => new { e.BenchmarkId, e.Sequence });
            ev.HasOne<BenchmarkEntity>().WithMany().HasForeignKey(e => e.BenchmarkId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
