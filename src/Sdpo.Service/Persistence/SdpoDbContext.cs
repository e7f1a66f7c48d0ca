using Microsoft.EntityFrameworkCore;

namespace Sdpo.Service.Persistence;

public sealed class SdpoDbContext(DbContextOptions<SdpoDbContext> options) : DbContext(options)
{
    public DbSet<RunEntity> Runs => Set<RunEntity>();
    public DbSet<RunMethodEntity> RunMethods => Set<RunMethodEntity>();
    public DbSet<AttemptEntity> Attempts => Set<AttemptEntity>();
    public DbSet<StepEntity> Steps => Set<StepEntity>();
    public DbSet<EventEntity> Events => Set<EventEntity>();
    public DbSet<BenchmarkEntity> Benchmarks => Set<BenchmarkEntity>();
    public DbSet<BenchmarkProblemEntity> BenchmarkProblems => Set<BenchmarkProblemEntity>();
    public DbSet<BenchmarkRunEntity> BenchmarkRuns => Set<BenchmarkRunEntity>();
    public DbSet<BenchmarkEventEntity> BenchmarkEvents => Set<BenchmarkEventEntity>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<RunEntity>(run =>
        {
            run.ToTable("runs");
            run.HasKey(r => r.Id);
            run.Property(r => r.Status).HasConversion<string>().HasMaxLength(16);
            run.HasIndex(r => r.Status);
            run.HasMany(r => r.Methods).WithOne().HasForeignKey(m => m.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<RunMethodEntity>(method =>
        {
            method.ToTable("run_methods");
            method.HasKey(m => new { m.RunId, m.Method });
            method.Property(m => m.Status).HasConversion<string>().HasMaxLength(16);
        });
        model.Entity<AttemptEntity>(attempt =>
        {
            attempt.ToTable("attempts");
            attempt.HasKey(a => new { a.RunId, a.Method, a.Index });
            attempt.HasOne<RunEntity>().WithMany().HasForeignKey(a => a.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<StepEntity>(step =>
        {
            step.ToTable("steps");
            step.HasKey(s => new { s.RunId, s.Method, s.Step });
            step.HasOne<RunEntity>().WithMany().HasForeignKey(s => s.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        model.Entity<EventEntity>(ev =>
        {
            ev.ToTable("events");
            ev.HasKey(e => new { e.RunId, e.Sequence });
            ev.HasOne<RunEntity>().WithMany().HasForeignKey(e => e.RunId).OnDelete(DeleteBehavior.Cascade);
        });
        model.ConfigureBenchmarks();
    }
}
