extension EmulatorRoutes {
    static var cloudRun: [EmulatorRoute] { [] }
}
