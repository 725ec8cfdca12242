import EvolveCore
import Testing
@testable import evolve

/// A user brings an OpenEvolve `config.yaml`: the keys whose meaning is the same are read under
/// OpenEvolve's names (docs/configuration.md, "Bringing an OpenEvolve config"), the ones evolve does its
/// own way are accepted and ignored. Every value differs from evolve's default, so a key that is dropped
/// fails the test.
@Suite struct OpenEvolveConfigTests {
    static let config = """
        # An OpenEvolve config as its users write it.
        max_iterations: 250
        checkpoint_interval: 10
        log_level: INFO
        random_seed: 7
        diff_based_evolution: true
        max_code_length: 10000
        llm:
          models:
            - name: gpt-4.1-mini
              weight: 0.8
            - name: o4-mini
              weight: 1
          api_base: https://api.openai.com/v1
          temperature: 0.65
          max_tokens: 4096
          timeout: 90
        prompt:
          system_message: You are an expert programmer.
          num_top_programs: 3
        database:
          population_size: 500
          archive_size: 60
          num_islands: 5
          migration_interval: 25
          migration_rate: 0.15
          exploration_ratio: 0.3
          exploitation_ratio: 0.6
        evaluator:
          timeout: 120
          parallel_evaluations: 3

        """

    @Test func anOpenEvolveConfigParsesIntoTheSameSettings() throws {
        let settings = try RunSettings.parse(Self.config, path: "config.yaml")
        #expect(settings.run.maxIterations == 250)
        #expect(settings.run.randomSeed == 7)
        #expect(settings.llm.models.map(\.name) == ["gpt-4.1-mini", "o4-mini"])
        #expect(settings.llm.models.map(\.weight) == [0.8, 1.0])
        #expect(settings.llm.apiBase == "https://api.openai.com/v1")
        #expect(settings.llm.temperature == 0.65)
        #expect(settings.llm.maxTokens == 4096)
        #expect(settings.llm.timeout == 90)
        #expect(settings.database.islands == 5)
        #expect(settings.database.migrationInterval == 25)
        #expect(settings.database.migrationRate == 0.15)
        #expect(settings.database.populationCap == 500)
        #expect(settings.database.archiveSize == 60)
        #expect(settings.database.exploration == 0.3 && settings.database.exploitation == 0.6)
        #expect(settings.evaluatorTimeout == 120)
        #expect(settings.run.parallel == 3)
        // No evaluator command: the TRM benchmarks score the programs, placed by the TRM descriptors.
        #expect(settings.evaluatorCommand == nil)
        #expect(settings.database.features == FeatureSpace.trm)
    }

    @Test func evolvesOwnDefaultsStandWhereTheConfigIsSilent() throws {
        let settings = try RunSettings.parse("max_iterations: 5\n", path: "config.yaml")
        let defaults = DatabaseConfig()
        #expect(settings.database.islands == defaults.islands && settings.database.archiveSize == defaults.archiveSize)
        #expect(settings.run.randomSeed == RunConfig().randomSeed)
        #expect(settings.llm.models.isEmpty && settings.llm.apiBase == nil && settings.evaluatorTimeout == nil)
    }

    /// OpenEvolve keys evolve cannot honour are refused with the form evolve wants, not silently dropped.
    @Test func openEvolveKeysWithAnotherFormAreRefused() {
        for (text, hint) in [
            ("llm:\n  primary_model: gpt-4.1\n", "llm.primary_model"),
            ("database:\n  feature_dimensions: [complexity, diversity]\n", "{name, min, max, bins, scale}"),
        ] {
            #expect {
                try RunSettings.parse(text, path: "config.yaml")
            } throws: { error in
                "\(error)".contains("config.yaml") && "\(error)".contains(hint)
            }
        }
    }
}
