#pragma once
#include <stdio.h>   // readline.h needs FILE
#include <readline/readline.h>
#include <readline/history.h>
