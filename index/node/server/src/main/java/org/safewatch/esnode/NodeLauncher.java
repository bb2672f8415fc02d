package org.safewatch.esnode;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts one real Elasticsearch node in this JVM, the way the distribution's bootstrap does,
 * minus the parts that need the distribution's launcher (keystore, security manager).
 *
 * Usage: java -cp 'lib/*' org.safewatch.esnode.NodeLauncher HOME
 *
 * HOME is an Elasticsearch home laid out by SafeWatch: config/elasticsearch.yml, modules/, plugins/.
 * All node settings (paths, network, ports) come from config/elasticsearch.yml. The process runs
 * until it receives SIGTERM/SIGINT, then closes the node cleanly (flushes, releases the data lock).
 */
public final class NodeLauncher {

    private NodeLauncher() {}

    public static void main(String[] args) {
        // Elasticsearch's logging setup redirects System.err into log4j; keep the real stream for
        // start-up failures, so the caller (safewatch es start) can show them.
        PrintStream console = System.err;
        try {
            run(args);
        } catch (Throwable failure) {
            console.println("Elasticsearch node failed to start: " + failure);
            failure.printStackTrace(console);
            console.flush();
            Runtime.getRuntime().halt(1);
        }
    }

    private static void run(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: NodeLauncher ES_HOME");
            System.exit(64);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path config = home.resolve("config");
        if (!Files.isRegularFile(config.resolve("elasticsearch.yml"))) {
            System.err.println("no elasticsearch.yml under " + config);
            System.exit(78);
        }

        LogConfigurator.configureESLogging();
        Settings initial = Settings.builder().put("path.home", home.toString()).build();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            initial, Map.of(), config, () -> "safewatch-node");
        LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(environment.settings()));
        LogConfigurator.configure(environment, false);

        PluginsLoader plugins = PluginsLoader.createPluginsLoader(
            PluginsLoader.loadModulesBundles(environment.modulesDir()),
            PluginsLoader.loadPluginsBundles(environment.pluginsDir()),
            Map.of());
        Node node = new Node(environment, plugins);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.prepareForClose();
                node.close();
                node.awaitClose(30, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "safewatch-node-shutdown"));

        node.start();
        stopped.await();
    }
}
